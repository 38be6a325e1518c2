package io.tokenwarden.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Truncation keeps the limit, marks the cut and never splits a character; error codes become bounded labels. */
class FieldLimitsTest {

  @Test
  void aValueWithinItsLimitIsKeptAsIs() {
    assertThat(FieldLimits.truncate(null, 64)).isNull();
    assertThat(FieldLimits.truncate("x".repeat(64), 64)).isEqualTo("x".repeat(64));
  }

  @Test
  void aLongerValueIsCutToTheLimitWithTheMarkerAtTheEnd() {
    String cut = FieldLimits.truncate("abc".repeat(30_000), FieldLimits.REVOKE_REASON);
    assertThat(cut).hasSize(FieldLimits.REVOKE_REASON).startsWith("abcabc").endsWith(FieldLimits.TRUNCATION_MARKER);
  }

  @Test
  void aSurrogatePairIsNeverCutInHalf() {
    String emoji = "\uD83D\uDE00";
    int keep = 64 - FieldLimits.TRUNCATION_MARKER.length();
    // The pair straddles the cut: it goes whole.
    String value = "x".repeat(keep - 1) + emoji + "tail".repeat(10);
    String cut = FieldLimits.truncate(value, 64);
    assertThat(cut).isEqualTo("x".repeat(keep - 1) + FieldLimits.TRUNCATION_MARKER);
    assertThat(cut.codePoints().allMatch(Character::isValidCodePoint)).isTrue();
    assertThat(Character.isHighSurrogate(cut.charAt(cut.length() - FieldLimits.TRUNCATION_MARKER.length() - 1)))
        .isFalse();
  }

  @Test
  void errorCodesOutsideTheVocabularyAreLabelledOther() {
    assertThat(ErrorCodes.label("invalid_grant")).isEqualTo("invalid_grant");
    assertThat(ErrorCodes.label("INVALID_GRANT")).isEqualTo("invalid_grant");
    assertThat(ErrorCodes.label("http_503")).isEqualTo("http_503");
    assertThat(ErrorCodes.label("graph_190")).isEqualTo("graph_190");
    assertThat(ErrorCodes.label("http_50300")).isEqualTo(ErrorCodes.OTHER);
    assertThat(ErrorCodes.label("user 12345 not found")).isEqualTo(ErrorCodes.OTHER);
    assertThat(ErrorCodes.label("x".repeat(100_000))).isEqualTo(ErrorCodes.OTHER);
    assertThat(ErrorCodes.label(null)).isEqualTo(ErrorCodes.OTHER);
    assertThat(ErrorCodes.label(ErrorCodes.COMMAND_TIMEOUT)).isEqualTo(ErrorCodes.COMMAND_TIMEOUT);
  }
}
