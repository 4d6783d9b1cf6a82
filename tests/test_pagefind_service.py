"""The Pagefind service's answers: whatever the process writes, the build gets an answer or a
PagefindFailed (a warning, and the next build tries again), never a Python traceback."""

import base64
import json
import stat

import pytest

from generator.output.pagefindservice import PagefindFailed, PagefindService


def fake_pagefind(tmp_path, *answers: bytes):
    """An executable that writes `answers` to stdout whatever it is asked, then waits for stdin to close."""
    script = tmp_path / "pagefind"
    body = "".join(answer.decode("ascii") for answer in answers)
    script.write_text(f"#!/bin/sh\nprintf '%s' '{body}'\ncat > /dev/null\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def encoded(value) -> bytes:
    return base64.b64encode(json.dumps(value).encode()) + b","


def test_empty_and_null_answers_are_skipped_as_pagefinds_own_client_skips_them(tmp_path):
    answer = {"message_id": 1, "payload": {"type": "NewIndex", "index_id": 7}}
    with PagefindService(fake_pagefind(tmp_path, b",", encoded(None), encoded(answer))) as service:
        assert service.ask({"type": "NewIndex", "config": {}}) == {"type": "NewIndex", "index_id": 7}


@pytest.mark.parametrize("answer", [b"not base64!,", base64.b64encode(b"\xff\xfe") + b",",
                                    base64.b64encode(b"{oops") + b",", encoded([1, 2]), encoded({"payload": 3})],
                         ids=["not-base64", "not-utf8", "not-json", "not-an-object", "no-payload"])
def test_an_answer_that_does_not_read_is_a_failure_of_the_index(tmp_path, answer):
    with PagefindService(fake_pagefind(tmp_path, answer)) as service:
        with pytest.raises(PagefindFailed, match="无法读取"):
            service.ask({"type": "NewIndex", "config": {}})


def test_a_service_that_stops_is_a_failure_of_the_index(tmp_path):
    script = tmp_path / "pagefind"
    script.write_text("#!/bin/sh\nexit 3\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    with PagefindService(str(script)) as service:
        with pytest.raises(PagefindFailed, match="已退出"):
            service.ask({"type": "NewIndex", "config": {}})


def index_answers(files) -> list[bytes]:
    """NewIndex, one AddFile, GetFiles with `files`: the answers to the indexing of one page."""
    return [encoded({"message_id": 1, "payload": {"type": "NewIndex", "index_id": 1}}),
            encoded({"message_id": 2, "payload": {"type": "IndexedFile", "page_word_count": 1}}),
            encoded({"message_id": 3, "payload": {"type": "GetFiles", "files": files}})]


@pytest.mark.parametrize("path", ["../outside.js", "/etc/cron.d/x", "fragment/../../x", "", "a\\..\\b"])
def test_an_index_file_outside_its_folder_is_a_failure_of_the_index(tmp_path, path):
    files = [{"path": "pagefind.js", "content": "Ly8="}, {"path": path, "content": "Ly8="}]
    with PagefindService(fake_pagefind(tmp_path, *index_answers(files))) as service:
        index_id = service.new_index()
        service.add(index_id, [("/a.html", b"<html></html>")])
        with pytest.raises(PagefindFailed, match="索引文件夹以外"):
            service.files(index_id)


def test_the_index_files_are_whole_when_the_service_stops_at_once():
    """Pagefind's WriteFiles answers before its background writes end, and it exits when its input
    closes: the last index of a busy machine had an empty pagefind-entry.json. The files now come
    in the answer."""
    from generator.output.search import pagefind_executable

    pages = [(f"/{n}.html", f"<html lang='zh-CN'><body><main data-pagefind-body><p>第{n}份报告 行政处罚</p></main>"
                            f"</body></html>".encode()) for n in range(5)]
    with PagefindService(pagefind_executable()) as service:
        index_id = service.new_index()
        service.add(index_id, pages)
        files = service.files(index_id)
    entry = json.loads(files["pagefind-entry.json"])
    assert sum(language["page_count"] for language in entry["languages"].values()) == 5
    assert sum(path.startswith("fragment/") for path in files) == 5 and all(files.values())
