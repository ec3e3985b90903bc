"""Spark Connect session URLs: each child gets a session id of its own, which the grader can release."""

import uuid

from autograder.spark import SESSION_USER, connect_params, is_local_server, revived_session_url, session_ids, \
    with_session


def test_each_child_gets_a_fresh_session_id_and_the_children_user():
    first, second = with_session("sc://127.0.0.1:15002"), with_session("sc://127.0.0.1:15002")
    address, params = connect_params(first)
    assert address == "sc://127.0.0.1:15002"
    assert params["user_id"] == SESSION_USER
    assert uuid.UUID(params["session_id"])
    assert connect_params(second)[1]["session_id"] != params["session_id"]
    assert is_local_server(first)


def test_the_url_keeps_its_own_parameters():
    url = with_session("sc://grid.example.edu:443/;use_ssl=true;token=abc;user_id=ta", "s-1")
    assert connect_params(url) == ("sc://grid.example.edu:443",
                                   {"use_ssl": "true", "token": "abc", "user_id": "ta", "session_id": "s-1"})


def test_restarted_sessions_have_ids_the_grader_can_derive():
    url = with_session("sc://127.0.0.1:15002")
    ids = session_ids(url, 3)
    assert ids[0] == connect_params(url)[1]["session_id"]
    assert len(set(ids)) == 4
    assert [connect_params(revived_session_url(url, n))[1]["session_id"] for n in (1, 2, 3)] == ids[1:]
    assert session_ids(url, 3) == ids                       # the same every time
    assert connect_params(revived_session_url(url, 1))[1]["user_id"] == SESSION_USER


def test_a_url_without_a_session_id_is_left_alone():
    assert revived_session_url("sc://127.0.0.1:15002", 1) == "sc://127.0.0.1:15002"
