"""The CSV reader: numbers and class names, quoting, and errors that name the line and column."""
import re

import numpy as np
import pytest

from neurona.cli.csvfile import CSVError, read_csv


def csv(tmp_path, text, name="t.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def test_numbers_class_names_quotes_bom_and_blank_lines(tmp_path):
    path = csv(tmp_path, '\ufeffa,"b, c",label\n1,2.5,"cat, big"\n\n-3e2,4,dog\n')
    table = read_csv(path, target="label")
    assert table.features == ["a", "b, c"] and table.target_name == "label"
    np.testing.assert_array_equal(table.x, [[1, 2.5], [-300, 4]])
    assert list(table.target) == ["cat, big", "dog"]
    numeric = read_csv(csv(tmp_path, "x,y\n1,0.5\n2,1\n"))           # the last column by default
    assert numeric.target.dtype == np.float64 and numeric.features == ["x"]


def test_selecting_and_ordering_features_without_a_target(tmp_path):
    path = csv(tmp_path, "a,b,c\n1,2,3\n")
    table = read_csv(path, features=["c", "a"], target="y", require_target=False)
    np.testing.assert_array_equal(table.x, [[3, 1]])
    assert table.target is None and table.target_name is None


@pytest.mark.parametrize("text, kwargs, message", [
    ("", {}, "the file is empty"),
    ("\n\n", {}, "the file is empty"),
    ("a,b\n", {}, "a header but no samples"),
    ("a,b,y\n1,2,0\n3,x,1\n", {}, "line 3, column 'b': 'x' is not a number"),
    ("a,b,y\n1,,0\n", {}, "line 2, column 'b': the cell is empty (a missing value)"),
    ("a,b,y\n1,nan,0\n", {}, "line 2, column 'b': 'nan' is not a finite number"),
    ("a,b\n1,2\n3\n", {}, "line 3 has 1 values; the header has 2"),
    ("a,a,y\n1,2,3\n", {}, "line 1 repeats the column name(s) ['a']"),
    ("a,b\n1,2\n", {"target": "y"}, "no target column 'y'; the columns are ['a', 'b']"),
    ("a,b\n1,2\n", {"features": ["a", "z"], "target": "b"}, "missing feature column(s) ['z']"),
    ("y\n1\n", {}, "no feature columns besides the target 'y'"),
    ("a,y\n1, \n", {}, "line 2, column 'y': the target is empty"),
    ("a,y\n1,inf\n", {}, "line 2, column 'y': 'inf' is not a finite number"),
])
def test_errors_name_the_line_and_column(tmp_path, text, kwargs, message):
    with pytest.raises(CSVError, match="t.csv: .*" + re.escape(message)):
        read_csv(csv(tmp_path, text), **kwargs)


def test_binary_file(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(CSVError, match="not a text file in UTF-8"):
        read_csv(path)


def test_a_file_without_a_header_is_named_as_such(tmp_path):
    for text in ("1,0,1\n1,1,0\n0,1,1\n", "5.1,3.5,1.4,0.2,setosa\n4.9,3.0,1.4,0.2,setosa\n"):
        path = tmp_path / "t.csv"
        path.write_text(text)
        with pytest.raises(CSVError, match="line 1 holds numbers .* the file seems to have no header row"):
            read_csv(path)


def test_drop_columns_and_fill_missing_values(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("id,a,b,label\n7,1,,x\n8,3,4,y\n9,,6,x\n10,5,8,y\n")
    with pytest.raises(CSVError, match="line 2, column 'b': the cell is empty .*--fill mean, median or zero"):
        read_csv(path, drop=["id"])
    table = read_csv(path, drop=["id"], fill="mean")
    assert table.features == ["a", "b"] and table.target_name == "label"
    np.testing.assert_array_equal(table.x, [[1, 6], [3, 4], [3, 6], [5, 8]])
    np.testing.assert_array_equal(read_csv(path, drop=["id"], fill="median").x[:, 1], [6, 4, 6, 8])
    np.testing.assert_array_equal(read_csv(path, drop=["id"], fill="zero").x[2], [0, 6])
    with pytest.raises(CSVError, match=r"cannot drop the column\(s\) \['ID'\]: no such column"):
        read_csv(path, drop=["ID"], fill="zero")
    path.write_text("a,b,id\n1,2,7\n3,4,8\n")
    assert read_csv(path, target="b", drop=["id"]).features == ["a"]
    assert read_csv(path, drop=["id"]).target_name == "b"        # the last column not dropped
