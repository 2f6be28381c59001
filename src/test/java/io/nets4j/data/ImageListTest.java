package io.nets4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageListTest {
  @TempDir Path dir;

  @BeforeEach
  void images() throws IOException {
    ImageFolderTest.png(dir.resolve("img/a.png"), 3, 2, 1);
    ImageFolderTest.png(dir.resolve("img/b, c.png"), 3, 2, 2);
    ImageFolderTest.png(dir.resolve("img/d.png"), 3, 2, 3);
  }

  private Path list(String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.createDirectories(p.getParent());
    return Files.writeString(p, text);
  }

  @Test
  void csvWithNamesHeaderQuotesAndComments() throws IOException {
    Path csv = list("lists/train.csv", """
        path,label
        # a comment
        ../img/d.png,dog

        "../img/b, c.png" , cat
        ../img/a.png,dog
        """);
    ImageList ds = ImageList.open(csv);
    assertEquals(List.of("cat", "dog"), ds.classes());
    assertEquals(3, ds.size());
    assertEquals(1, ds.get(0).label());
    ImageFolderTest.assertPng(ds.get(0).image(), 3, 2, 3);
    assertEquals(0, ds.get(1).label());
    ImageFolderTest.assertPng(ds.get(1).image(), 3, 2, 2);
    // Given class names fix the numbering.
    assertEquals(2, ImageList.open(csv, List.of("bird", "cat", "dog")).get(0).label());
  }

  @Test
  void csvWithIndices() throws IOException {
    Path csv = list("l.csv", "img/a.png,3\nimg/d.png,0\nimg/a.png,1\nimg/d.png,2\n");
    ImageList ds = ImageList.open(csv);
    assertEquals(List.of("0", "1", "2", "3"), ds.classes());
    assertEquals(3, ds.get(0).label());
    DatasetException e = assertThrows(DatasetException.class, () -> ImageList.open(csv, List.of("x", "y")));
    assertTrue(e.getMessage().startsWith(csv.toString()) && e.getMessage().contains("line 1: label 3 is out of range"),
        e.getMessage());
  }

  @Test
  void aMistypedIntegerLabelIsRefusedBeforeAnyClassifierIsBuilt() throws IOException {
    Path csv = list("typo.csv", "img/a.png,0\nimg/d.png,1\nimg/a.png,5000000\n");
    DatasetException e = assertThrows(DatasetException.class, () -> ImageList.open(csv));
    assertTrue(e.getMessage().startsWith(csv.toString()) && e.getMessage().contains("line 3: label 5000000")
        && e.getMessage().contains("limit of 100000"), e.getMessage());
  }

  @Test
  void integerLabelsMustBeDense() throws IOException {
    Path csv = list("sparse.csv", "img/a.png,0\nimg/d.png,7\n");
    DatasetException e = assertThrows(DatasetException.class, () -> ImageList.open(csv));
    assertTrue(e.getMessage().contains("line 2: label 7") && e.getMessage().contains("only 2 of them are used")
        && e.getMessage().contains("first unused is 1"), e.getMessage());
    // listed class names make sparse indices fine
    assertEquals(8, ImageList.open(csv, List.of("a", "b", "c", "d", "e", "f", "g", "h")).classes().size());
  }

  @Test
  void jsonBothForms() throws IOException {
    Path plain = list("a.json", """
        [{"path": "img/a.png", "label": 1}, {"path": "img/d.png", "label": 0}]""");
    ImageList ds = ImageList.open(plain);
    assertEquals(List.of("0", "1"), ds.classes());
    assertEquals(1, ds.get(0).label());
    Path named = list("b.json", """
        {"classes": ["cat", "dog", "eel"],
         "samples": [{"path": "img/a.png", "label": "eel"}, {"path": "img/d.png", "label": 1}]}""");
    ds = ImageList.open(named);
    assertEquals(List.of("cat", "dog", "eel"), ds.classes());
    assertEquals(2, ds.get(0).label());
    assertEquals(1, ds.get(1).label());
    ImageFolderTest.assertPng(ds.get(1).image(), 3, 2, 3);
  }

  private String failure(Path file) {
    return assertThrows(DatasetException.class, () -> ImageList.open(file)).getMessage();
  }

  @Test
  void malformedLists() throws IOException {
    String m = failure(list("missing.csv", "img/a.png,x\nimg/nope.png,y\n"));
    assertTrue(m.contains("missing.csv: line 2: no such image file 'img/nope.png'"), m);
    m = failure(list("fields.csv", "img/a.png,x,extra\n"));
    assertTrue(m.contains("line 1: expected 2 fields"), m);
    m = failure(list("quote.csv", "\"img/a.png,x\n"));
    assertTrue(m.contains("line 1: unterminated quoted field"), m);
    m = failure(list("empty.csv", "path,label\n"));
    assertTrue(m.contains("lists no images"), m);
    m = failure(list("broken.json", "[{\"path\": \"img/a.png\", \"label\": 1"));
    assertTrue(m.contains("broken.json: invalid JSON at line 1"), m);
    m = failure(list("nolabel.json", "[{\"path\": \"img/a.png\"}]"));
    assertTrue(m.contains("entry 0: expected a \"label\""), m);
    m = failure(list("unknown.json", "{\"classes\": [\"cat\"], \"samples\": [{\"path\": \"img/a.png\", \"label\": \"dog\"}]}"));
    assertTrue(m.contains("entry 0: unknown class 'dog'"), m);
    m = failure(list("list.txt", "img/a.png,1"));
    assertTrue(m.contains("unknown list format"), m);
    Path undecodable = list("img/fake.png", "not a png");
    ImageList ds = ImageList.open(list("u.csv", "img/fake.png,0\n"));
    DatasetException e = assertThrows(DatasetException.class, () -> ds.get(0));
    assertTrue(e.getMessage().startsWith(undecodable.toString()), e.getMessage());
  }
}
