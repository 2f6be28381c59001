package io.nets4j.sequence.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DateTaskTest {
  @Test
  void sameSeedGivesTheSameSplitAndExamples() {
    DateTask a = new DateTask(500, 7);
    DateTask b = new DateTask(500, 7);
    assertEquals(a.heldOutDates(), b.heldOutDates());
    assertEquals(a.trainingExamples(50, new Random(3)), b.trainingExamples(50, new Random(3)));
    assertTrue(!a.heldOutDates().equals(new DateTask(500, 8).heldOutDates()), "another seed splits differently");
  }

  @Test
  void heldOutDatesNeverAppearInTraining() {
    DateTask task = new DateTask(1000, 1);
    Set<LocalDate> train = new HashSet<>(task.trainingDates());
    assertEquals(1000, task.heldOutDates().size());
    assertTrue(task.heldOutDates().stream().noneMatch(train::contains));
    assertEquals(LocalDate.of(2049, 12, 31).toEpochDay() - LocalDate.of(1950, 1, 1).toEpochDay() + 1,
        train.size() + task.heldOutDates().size());
    for (DateTask.Example e : task.heldOutExamples(300, new Random(2))) {
      assertTrue(!train.contains(LocalDate.parse(e.target())), e.toString());
    }
  }

  @Test
  void everyFormatWritesTheDateAsExpected() {
    LocalDate d = LocalDate.of(2026, 11, 22);
    List<String> got = new ArrayList<>();
    for (DateTask.Format f : DateTask.FORMATS) {
      DateTask.Example e = DateTask.example(d, f);
      assertEquals("2026-11-22", e.target());
      got.add(e.source());
    }
    assertEquals(List.of("2026-11-22", "22/11/2026", "11/22/26", "22.11.2026", "2026/11/22", "20261122",
        "22. November 2026", "22 november 2026", "nov 22, 2026", "November 22, 2026", "sunday 22 nov 2026",
        "Sunday, November 22, 2026", "sun, 22 nov 26", "22-NOV-2026", "the 22nd of november 2026"), got);
    assertEquals(got.size(), new HashSet<>(got).size(), "formats are distinct");
  }

  @Test
  void randomExamplesCoverEveryFormatAndFitTheLengthLimit() {
    DateTask task = new DateTask(1000, 0);
    Set<String> seen = new HashSet<>();
    for (DateTask.Example e : task.trainingExamples(2000, new Random(0))) {
      seen.add(e.format());
    }
    assertEquals(DateTask.FORMATS.size(), seen.size(), seen.toString());
    int longest = 0;
    for (LocalDate d = DateTask.FIRST; !d.isAfter(DateTask.LAST); d = d.plusDays(1)) {
      for (DateTask.Format f : DateTask.FORMATS) {
        longest = Math.max(longest, f.writer().apply(d).length());
      }
    }
    assertTrue(longest <= DateTask.MAX_SOURCE_LENGTH, "longest source " + longest);
  }

  @Test
  void twoDigitYearsMapToTheTaskCentury() {
    DateTask.Format mdyy = DateTask.FORMATS.get(2);
    assertEquals("03/04/49", mdyy.writer().apply(LocalDate.of(2049, 3, 4)));
    assertEquals("03/04/50", mdyy.writer().apply(LocalDate.of(1950, 3, 4)));
  }
}
