package io.tokenwarden.stream.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** The deadline index in memory. */
class DeadlineIndexTest {

  @Property(tries = 200)
  void dueTimersComeEarliestFirstAndOnlyUpToNow(
      @ForAll @Size(max = 60) List<@LongRange(min = 0, max = 1_000) Long> dues,
      @ForAll @LongRange(min = 0, max = 1_000) long now,
      @ForAll @IntRange(min = 1, max = 80) int max) {
    DeadlineIndex index = new DeadlineIndex();
    List<DeadlineIndex.Entry> model = new ArrayList<>();
    for (int i = 0; i < dues.size(); i++) {
      // Two kinds per connection id, so ties on due time are broken by id and then by kind.
      String id = "c" + (i / 2);
      TimerKind kind = i % 2 == 0 ? TimerKind.WARN : TimerKind.EXPIRE;
      index.put(id, new Timer(kind, dues.get(i)), i);
      model.add(new DeadlineIndex.Entry(dues.get(i), id, kind, i));
    }
    List<DeadlineIndex.Entry> expected = model.stream().filter(e -> e.due() <= now)
        .sorted(Comparator.comparingLong(DeadlineIndex.Entry::due).thenComparing(DeadlineIndex.Entry::connectionId)
            .thenComparing(DeadlineIndex.Entry::kind))
        .limit(max).toList();
    assertThat(index.due(now, max)).containsExactlyElementsOf(expected);
    assertThat(index.size()).isEqualTo(dues.size());
  }

  @Test
  void aTimerPutAgainReplacesItsGenerationAndADeleteRemovesIt() {
    DeadlineIndex index = new DeadlineIndex();
    Timer warn = new Timer(TimerKind.WARN, 100);
    index.put("c1", warn, 1);
    index.put("c1", warn, 2);
    index.put("c1", new Timer(TimerKind.EXPIRE, 100), 2);
    assertThat(index.size()).isEqualTo(2);
    assertThat(index.due(100, 10)).containsExactly(new DeadlineIndex.Entry(100, "c1", TimerKind.WARN, 2),
        new DeadlineIndex.Entry(100, "c1", TimerKind.EXPIRE, 2));
    index.delete("c1", warn);
    index.delete("c2", warn);
    assertThat(index.due(100, 10)).extracting(DeadlineIndex.Entry::kind).containsExactly(TimerKind.EXPIRE);
    assertThat(index.size()).isEqualTo(1);
  }

  @Test
  void scansStartAtTheCursorWhichNeverMovesBack() {
    DeadlineIndex index = new DeadlineIndex();
    index.put("early", new Timer(TimerKind.WARN, 10), 1);
    index.put("late", new Timer(TimerKind.WARN, 20), 1);
    index.advanceCursor(15);
    index.advanceCursor(5);
    assertThat(index.cursor()).isEqualTo(15);
    assertThat(index.due(30, 10)).extracting(DeadlineIndex.Entry::connectionId).containsExactly("late");
    assertThat(index.due(14, 10)).isEmpty();
  }

  @Test
  void theIndexIsRebuiltFromAConnectionsTimers() {
    Connection c = ConnectionSerdeTest.sample();
    DeadlineIndex index = new DeadlineIndex();
    index.putAll(c);
    assertThat(index.due(Long.MAX_VALUE - 1, 10)).containsExactly(
        new DeadlineIndex.Entry(1_900_000_050_000L, "c1", TimerKind.RETRY, 42),
        new DeadlineIndex.Entry(1_900_000_100_000L, "c1", TimerKind.EXPIRE, 42));
  }
}
