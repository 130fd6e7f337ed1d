from readiness.process_memo import ProcessMemo


def test_a_full_memo_empties_itself_before_keeping_the_next_value():
    memo = ProcessMemo(size=2)
    assert memo.put("a", 1) == 1
    memo.put("b", 2)
    assert memo == {"a": 1, "b": 2}

    memo.put("c", 3)  # keys can come from the client: it never holds more than `size`

    assert memo == {"c": 3}
