package io.tokenwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tokenwarden.embedded.SharedKafka;
import io.tokenwarden.gateway.auth.TokenMinter;
import io.tokenwarden.producer.IssuedToken;
import io.tokenwarden.producer.TokenEventPublisher;
import io.tokenwarden.runtime.config.Env;
import io.tokenwarden.runtime.config.TokenwardenConfig;
import io.tokenwarden.runtime.provider.Providers;
import io.tokenwarden.runtime.sealing.CredentialSealer;
import io.tokenwarden.runtime.sealing.Keysets;
import io.tokenwarden.runtime.topics.TopicAdmin;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;

/**
 * The status page in Debian's headless Chromium, over the whole system as {@code ./tokenwarden run} runs it:
 * the real expiry stream, refresh worker and gateway on the broker, and a real OAuth2 server as the provider.
 * On a machine without Chromium it is skipped, saying so in one line; {@code .ci/run} installs Chromium.
 */
class StatusPageBrowserIT {

  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final String TENANT_A = "ui-tenant-a";
  private static final String TENANT_B = "ui-tenant-b";

  private static SandboxProvider sandbox;
  private static RunCommand.Services services;
  private static WebDriver browser;
  private static TokenMinter minter;
  private static String base;

  @BeforeAll
  static void start(@TempDir Path dataDir) throws Exception {
    boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    if (!installed) {
      System.err.println("StatusPageBrowserIT SKIPPED: no " + CHROMIUM + " or " + CHROMEDRIVER
          + " (apt-get install -y chromium chromium-driver; .ci/run does)");
    }
    Assumptions.assumeTrue(installed, "Chromium and chromedriver are not installed: the browser test is skipped");

    String bootstrap = SharedKafka.bootstrapServers();
    sandbox = SandboxProvider.start();
    Map<String, String> vars = new HashMap<>(sandbox.env());
    vars.putAll(Map.of(
        "KAFKA_BOOTSTRAP_SERVERS", bootstrap,
        "TOKENWARDEN_TOPIC_PREFIX", "page-it.",
        "TOKENWARDEN_PARTITIONS", "2",
        "TOKENWARDEN_DATA_DIR", dataDir.toString(),
        "TOKENWARDEN_KEYSET", Keysets.toJson(Keysets.generate()),
        "TOKENWARDEN_HTTP_PORT", "0",
        "TOKENWARDEN_EXPIRY_APPLICATION_ID", "page-it-expiry",
        "TOKENWARDEN_EXPIRY_STATE_DIR", dataDir.resolve("streams").toString(),
        "TOKENWARDEN_WORKER_GROUP_ID", "page-it-worker",
        "TOKENWARDEN_WORKER_TRANSACTIONAL_ID", "page-it-worker"));
    vars.putAll(Map.of(
        "TOKENWARDEN_PUNCTUATE_INTERVAL", "PT0.5S",
        "KAFKA_COMMIT_INTERVAL_MS", "200",
        "TOKENWARDEN_POLICY_FACEBOOK_WARN_BEFORE", "PT5S",
        "TOKENWARDEN_GATEWAY_JWT_SECRET", "status-page-it-secret-0123456789abcdef"));
    Env env = Env.of(vars);
    TokenwardenConfig config = TokenwardenConfig.from(env);
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      new TopicAdmin(admin, (short) 1).ensure(config.topics());
    }
    services = RunCommand.Services.start(env, true, true, true, new PrintWriter(new StringWriter()));
    base = "http://localhost:" + services.ops.port();
    minter = new TokenMinter(services.gateway.config());
    CredentialSealer sealer = new CredentialSealer(Keysets.load(env, dataDir, false));
    try (var publisher = TokenEventPublisher.create(config, bootstrap, sealer, new Providers(env))) {
      // Not renewable by a machine: CONNECTED, then EXPIRING and EXPIRED with the "!".
      publisher.issued(token("ui-fb", TENANT_A, "facebook", "page-1001", null, 25)).get(30, TimeUnit.SECONDS);
      // Renewable at the sandbox, and far from expiry: only the refresh button renews it.
      publisher.issued(token("ui-sandbox", TENANT_A, SandboxProvider.RENEWS, "user-5005", "ui-refresh", 3600))
          .get(30, TimeUnit.SECONDS);
      publisher.issued(token("ui-b-x", TENANT_B, "x", "user-7007", "ui-b-refresh", 3600)).get(30, TimeUnit.SECONDS);
    }
    await().atMost(Duration.ofSeconds(60)).until(() -> services.gateway.index() != null
        && services.gateway.index().get("ui-b-x").isPresent()
        && services.gateway.index().get("ui-fb").isPresent());

    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--window-size=1280,720",
        "--user-data-dir=" + Files.createTempDirectory(dataDir, "chromium-profile"));
    ChromeDriverService driver = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort().build();
    browser = new ChromeDriver(driver, options);
    browser.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (services != null) {
      services.close();
    }
    if (sandbox != null) {
      sandbox.close();
    }
  }

  private static IssuedToken token(String connection, String tenant, String provider, String account,
      String refreshToken, long expiresIn) {
    return new IssuedToken(connection, Optional.of(tenant), provider, account, "ui-access-" + connection,
        Optional.ofNullable(refreshToken), "Bearer", Optional.of(Instant.now().plusSeconds(expiresIn)),
        Optional.empty(), List.of());
  }

  // The page re-renders its rows on every update, so an element found a moment ago may be gone: read the page in
  // one script call, or retry a block of reads that hold several elements.
  private static String state(String connection) {
    return (String) js("const el = document.querySelector(\"tr[data-connection-id='" + connection + "'] .state\");"
        + " return el ? el.dataset.state : null;");
  }

  private static boolean marked(String connection) {
    return (Boolean) js("return document.querySelector(\"tr[data-connection-id='" + connection + "'] .bang\") !== null;");
  }

  private static boolean focusedOn(String selector) {
    return (Boolean) js("return document.activeElement !== null && document.activeElement.matches(\"" + selector + "\");");
  }

  private static void readRows(ThrowingRunnable reads) {
    await().atMost(Duration.ofSeconds(10)).ignoreException(StaleElementReferenceException.class)
        .untilAsserted(reads::run);
  }

  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  private static Object js(String script) {
    return ((JavascriptExecutor) browser).executeScript(script);
  }

  @Test
  void thePageShowsTheMarkLiveRenewsOnAKeyPressAndShowsEachTenantOnlyItsOwnAccounts() throws Exception {
    browser.get(base + "/#token=" + minter.mint(TENANT_A, "ui-user", Duration.ofHours(1)));
    // The token left the address bar at once.
    assertThat(browser.getCurrentUrl()).doesNotContain("token");
    await().atMost(Duration.ofSeconds(20)).until(() -> "CONNECTED".equals(state("ui-fb")));
    assertThat(marked("ui-fb")).isFalse();
    assertThat(browser.findElement(By.id("live")).getText()).isEqualTo("Live");
    // A reload would lose this.
    js("window.__sameDocument = 'yes';");
    js("window.__states = [];"
        + "new MutationObserver(() => {"
        + "  const el = document.querySelector(\"tr[data-connection-id='ui-sandbox'] .state\");"
        + "  if (el && window.__states[window.__states.length - 1] !== el.dataset.state) {"
        + "    window.__states.push(el.dataset.state); }"
        + "}).observe(document.getElementById('rows'), {childList: true, subtree: true, attributes: true});");

    // CONNECTED -> EXPIRED with the orange "!", pushed by the stream, without a reload.
    await().atMost(Duration.ofSeconds(60)).until(() -> "EXPIRED".equals(state("ui-fb")));
    assertThat(marked("ui-fb")).isTrue();
    readRows(() -> {
      WebElement fbRow = browser.findElement(By.cssSelector("tr[data-connection-id='ui-fb']"));
      assertThat(fbRow.getText()).contains("Facebook", "page-1001", "Expired",
          "The Facebook token expired: reconnect the account.");
      assertThat(fbRow.findElement(By.className("bang")).getAttribute("aria-label")).isEqualTo("Needs attention");
      assertThat(fbRow.findElements(By.tagName("button"))).as("no machine renews a Facebook token").isEmpty();
      // Accounts that need a human come first.
      assertThat(browser.findElements(By.cssSelector("#rows tr")).get(0).getAttribute("data-connection-id"))
          .isEqualTo("ui-fb");
      assertThat(browser.findElement(By.cssSelector("tr[data-connection-id='ui-sandbox'] button.refresh"))
          .getAttribute("aria-label")).isEqualTo("Refresh the sandbox token of user-5005");
    });

    // The refresh button, reached with the keyboard and pressed with Enter, as a user does: keys go to whatever
    // has focus, and the page keeps focus on the same button across re-renders.
    String refresh = "tr[data-connection-id='ui-sandbox'] button.refresh";
    for (int i = 0; i < 30 && !focusedOn(refresh); i++) {
      new Actions(browser).sendKeys(Keys.TAB).perform();
    }
    assertThat(focusedOn(refresh)).as("the refresh button is reachable with Tab").isTrue();
    new Actions(browser).sendKeys(Keys.ENTER).perform();
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      List<?> seen = (List<?>) js("return window.__states;");
      int refreshing = seen.indexOf("REFRESHING");
      return refreshing >= 0 && seen.subList(refreshing, seen.size()).contains("CONNECTED")
          && "CONNECTED".equals(state("ui-sandbox"));
    });
    assertThat(js("return window.__sameDocument;")).isEqualTo("yes");
    assertThat(marked("ui-sandbox")).isFalse();
    assertThat(browser.findElement(By.id("summary")).getText()).isEqualTo("2 accounts, 1 needs you");

    Path screenshot = Path.of("target", "status-page.png");
    Files.createDirectories(screenshot.getParent());
    Files.copy(((ChromeDriver) browser).getScreenshotAs(OutputType.FILE).toPath(), screenshot,
        StandardCopyOption.REPLACE_EXISTING);

    // Tenant B: its own account, none of A's.
    browser.get(base + "/#token=" + minter.mint(TENANT_B, "ui-user-b", Duration.ofHours(1)));
    await().atMost(Duration.ofSeconds(20)).until(() -> "NEEDS_RECONNECT".equals(state("ui-b-x"))
        || "CONNECTED".equals(state("ui-b-x")));
    readRows(() -> assertThat(browser.findElements(By.cssSelector("#rows tr")))
        .extracting(r -> r.getAttribute("data-connection-id")).containsExactly("ui-b-x"));
    assertThat(browser.getPageSource()).doesNotContain("ui-fb").doesNotContain("page-1001")
        .doesNotContain("ui-sandbox").doesNotContain("user-5005");
    Files.copy(((ChromeDriver) browser).getScreenshotAs(OutputType.FILE).toPath(),
        Path.of("target", "status-page-tenant-b.png"), StandardCopyOption.REPLACE_EXISTING);
  }

  @Test
  void withoutATokenThePageAsksForOneAndAnExpiredOneIsRefused() {
    browser.get(base + "/");
    js("sessionStorage.clear();");
    browser.navigate().refresh();
    await().atMost(Duration.ofSeconds(10)).until(() -> browser.findElement(By.id("signin")).isDisplayed());
    assertThat(browser.findElement(By.cssSelector("label[for='token-input']")).getText()).isEqualTo("Access token");
    WebElement input = browser.findElement(By.id("token-input"));
    input.sendKeys(minter.mint(TENANT_B, "u", Duration.ofSeconds(-120)));
    browser.findElement(By.cssSelector("#token-form button")).click();
    await().atMost(Duration.ofSeconds(10)).until(() -> browser.findElement(By.id("signin-why")).getText()
        .contains("refused or has expired"));
    assertThat(browser.findElements(By.cssSelector("#rows tr"))).isEmpty();
  }
}
