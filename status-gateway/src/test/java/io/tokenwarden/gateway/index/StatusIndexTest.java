package io.tokenwarden.gateway.index;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwarden.schema.ConnectionState;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StatusIndexTest {

  private static StatusView view(String id, String tenant, boolean attention) {
    return new StatusView(id, tenant, "x", "acct-" + id, attention ? ConnectionState.EXPIRED : ConnectionState.CONNECTED,
        attention, attention ? "access_token_expired" : null, 1_000, StatusView.NONE, StatusView.NONE, 500, 1, true, false, StatusView.NONE);
  }

  private static final class Recorder implements StatusSubscriber {
    final List<Frame> frames = new ArrayList<>();

    @Override
    public void offer(Frame frame) {
      frames.add(frame);
    }
  }

  @Test
  void aTenantListsItsOwnConnectionsWithTheMarkFirstAndPagesWithACursor() {
    StatusIndex index = new StatusIndex(2, "e", 16);
    index.apply(0, 0, "c3", view("c3", "a", false));
    index.apply(1, 0, "c1", view("c1", "a", false));
    index.apply(0, 1, "c2", view("c2", "a", true));
    index.apply(1, 1, "b1", view("b1", "b", true));
    index.markReady();

    StatusIndex.Page first = index.list("a", null, null, null, 2, 100);
    assertThat(first.statuses()).extracting(StatusView::connectionId).containsExactly("c2", "c1");
    StatusIndex.Page second = index.list("a", null, null, first.next().orElseThrow(), 2, 100);
    assertThat(second.statuses()).extracting(StatusView::connectionId).containsExactly("c3");
    assertThat(second.next()).isEmpty();
    assertThat(index.list("a", true, null, null, 10, 100).statuses()).extracting(StatusView::connectionId)
        .containsExactly("c2");
    assertThat(index.list("a", false, null, null, 10, 100).statuses()).extracting(StatusView::connectionId)
        .containsExactly("c1", "c3");
    assertThat(index.list("a", null, "youtube", null, 10, 100).statuses()).isEmpty();
    assertThat(index.list("nobody", null, null, null, 10, 100).statuses()).isEmpty();
  }

  @Test
  void aFilterThatMatchesLittleStopsAtTheScanBudgetWithACursorAndMissesNothing() {
    StatusIndex index = new StatusIndex(1, "e", 16);
    for (int i = 0; i < 50; i++) {
      StatusView v = view(String.format("c%02d", i), "a", false);
      if (i % 10 == 9) {
        v = new StatusView(v.connectionId(), "a", "youtube", v.accountId(), v.state(), false, null, 1, StatusView.NONE,
            StatusView.NONE, 1, 1, true, false, StatusView.NONE);
      }
      index.apply(0, i, v.connectionId(), v);
    }
    List<String> seen = new ArrayList<>();
    Cursor cursor = null;
    int pages = 0;
    do {
      StatusIndex.Page page = index.list("a", null, "youtube", cursor, 10, 7);
      page.statuses().forEach(s -> seen.add(s.connectionId()));
      cursor = page.next().orElse(null);
      pages++;
    } while (cursor != null && pages < 100);
    assertThat(seen).containsExactly("c09", "c19", "c29", "c39", "c49");
    assertThat(pages).isGreaterThan(5);
  }

  @Test
  void aChangeOfAttentionMovesTheConnectionAndARemovalOrTenantMoveTakesItAway() {
    StatusIndex index = new StatusIndex(1, "e", 16);
    index.apply(0, 0, "c1", view("c1", "a", false));
    index.apply(0, 1, "c2", view("c2", "a", false));
    index.apply(0, 2, "c2", view("c2", "a", true));
    assertThat(index.tenantOrder("a")).extracting(StatusView::connectionId).containsExactly("c2", "c1");
    index.apply(0, 3, "c2", view("c2", "b", true));
    assertThat(index.tenantOrder("a")).extracting(StatusView::connectionId).containsExactly("c1");
    assertThat(index.tenantOrder("b")).extracting(StatusView::connectionId).containsExactly("c2");
    index.apply(0, 4, "c1", null);
    assertThat(index.tenantOrder("a")).isEmpty();
    assertThat(index.get("c1")).isEmpty();
    assertThat(index.size()).isEqualTo(1);
  }

  @Test
  void aSubscriberGetsASnapshotThenEveryLaterChangeOfItsTenantOnlyWithIdsThatCoverThem() {
    StatusIndex index = new StatusIndex(2, "e", 16);
    index.apply(0, 0, "a1", view("a1", "a", false));
    index.markReady();
    Recorder r = new Recorder();
    StatusIndex.Start start = index.subscribe("a", Optional.empty(), r);
    assertThat(start).isInstanceOf(StatusIndex.Snapshot.class);
    StatusIndex.Snapshot snap = (StatusIndex.Snapshot) start;
    assertThat(snap.statuses()).extracting(StatusView::connectionId).containsExactly("a1");
    assertThat(snap.id().offsets()).containsExactly(1, 0);

    index.apply(1, 0, "b1", view("b1", "b", false));
    index.apply(1, 1, "a2", view("a2", "a", true));
    index.apply(0, 1, "a1", null);
    assertThat(r.frames).extracting(Frame::kind).containsExactly("status", "removed");
    assertThat(r.frames.get(0).id().offsets()).containsExactly(1, 2);
    assertThat(r.frames.get(1).id().offsets()).containsExactly(2, 2);
    assertThat(new String(r.frames.get(0).body())).startsWith("event: status\ndata: {\"connectionId\":\"a2\"");
    assertThat(new String(r.frames.get(1).body())).isEqualTo("event: removed\ndata: {\"connectionId\":\"a1\"}\n");

    index.unsubscribe("a", r);
    index.apply(1, 2, "a3", view("a3", "a", false));
    assertThat(r.frames).hasSize(2);
  }

  @Test
  void aClientResumesFromItsLastIdWithExactlyTheEventsItMissed() {
    StatusIndex index = new StatusIndex(2, "e", 16);
    index.markReady();
    Recorder first = new Recorder();
    index.subscribe("a", Optional.empty(), first);
    index.apply(0, 0, "a1", view("a1", "a", false));
    index.apply(1, 0, "a2", view("a2", "a", false));
    long[] lastSeen = first.frames.get(0).id().offsets();
    index.apply(1, 1, "b1", view("b1", "b", false));
    index.apply(0, 1, "a1", view("a1", "a", true));

    StatusIndex.Start resumed = index.subscribe("a", Optional.of(lastSeen), new Recorder());
    assertThat(resumed).isInstanceOf(StatusIndex.Replay.class);
    assertThat(((StatusIndex.Replay) resumed).frames()).extracting(Frame::partition, Frame::offset)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(1, 0L), org.assertj.core.groups.Tuple.tuple(0, 1L));
  }

  @Test
  void whenTheMissedEventsAreNoLongerKeptTheClientGetsAFreshSnapshot() {
    StatusIndex index = new StatusIndex(1, "e", 2);
    index.markReady();
    Recorder first = new Recorder();
    index.subscribe("a", Optional.empty(), first);
    for (int i = 0; i < 5; i++) {
      index.apply(0, i, "a" + i, view("a" + i, "a", false));
    }
    long[] early = first.frames.get(0).id().offsets();
    long[] late = first.frames.get(3).id().offsets();
    assertThat(index.subscribe("a", Optional.of(early), new Recorder())).isInstanceOf(StatusIndex.Snapshot.class);
    assertThat(index.subscribe("a", Optional.of(late), new Recorder())).isInstanceOf(StatusIndex.Replay.class);
    // From before this replica was ready: nothing kept.
    assertThat(index.subscribe("a", Optional.of(new long[] {0}), new Recorder())).isInstanceOf(StatusIndex.Snapshot.class);
  }

  @Test
  void withNoReplayKeptOnlyAClientWithTheLatestEventResumesWithoutASnapshot() {
    StatusIndex index = new StatusIndex(1, "e", 0);
    index.markReady();
    Recorder first = new Recorder();
    index.subscribe("a", Optional.empty(), first);
    index.apply(0, 0, "a0", view("a0", "a", false));
    index.apply(0, 1, "a1", view("a1", "a", false));
    assertThat(index.subscribe("a", Optional.of(first.frames.get(0).id().offsets()), new Recorder()))
        .isInstanceOf(StatusIndex.Snapshot.class);
    assertThat(index.subscribe("a", Optional.of(first.frames.get(1).id().offsets()), new Recorder()))
        .isInstanceOf(StatusIndex.Replay.class);
  }

  @Test
  void eventIdsRoundTripAndForeignOrMalformedIdsAreRefused() {
    EventPosition p = new EventPosition("ab12cd34", new long[] {0, 35, 1_000_000_007L});
    assertThat(p.text()).isEqualTo("ab12cd34-0.z.gjdgxz");
    assertThat(EventPosition.parse(p.text(), "ab12cd34", 3)).hasValueSatisfying(o -> assertThat(o).containsExactly(0, 35, 1_000_000_007L));
    assertThat(EventPosition.parse(p.text(), "ffffffff", 3)).isEmpty();
    assertThat(EventPosition.parse(p.text(), "ab12cd34", 2)).isEmpty();
    assertThat(EventPosition.parse("ab12cd34-0.-1.2", "ab12cd34", 3)).isEmpty();
    assertThat(EventPosition.parse("ab12cd34-0..2", "ab12cd34", 3)).isEmpty();
    assertThat(EventPosition.parse("ab12cd34-" + "z".repeat(700), "ab12cd34", 1)).isEmpty();
    assertThat(EventPosition.parse("ab12cd34-zzzzzzzzzzzzzzz", "ab12cd34", 1)).isEmpty();
  }

  @Test
  void cursorsRoundTripAndAnythingElseIsRefused() {
    Cursor c = new Cursor(true, "conn/with:odd chars");
    assertThat(Cursor.decode(c.encode())).contains(c);
    assertThat(Cursor.decode("not base64 !")).isEmpty();
    assertThat(Cursor.decode(java.util.Base64.getUrlEncoder().encodeToString("2:x".getBytes()))).isEmpty();
    assertThat(Cursor.decode("a".repeat(Cursor.MAX_LENGTH + 1))).isEmpty();
  }
}
