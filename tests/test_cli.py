"""The CLI: one-line errors with the fix, JSON output, index summary."""

from __future__ import annotations

import json

from click.testing import CliRunner

from rag.serve.cli import cli


def test_index_then_search_json(settings, embedder, monkeypatch) -> None:
    monkeypatch.setenv("RAG_CHUNK_TOKENS", "40")
    monkeypatch.setenv("RAG_CHUNK_OVERLAP", "8")
    runner = CliRunner()
    use = {"embedder": embedder}
    out = runner.invoke(
        cli, ["index", "--source", str(settings.source_dir), "--index", str(settings.index_dir)], obj=use
    )
    assert out.exit_code == 0, out.output
    assert "3 added, 0 changed, 0 removed, 0 unchanged, 0 skipped" in out.output
    assert embedder.encoded, "the CLI did not use the embedder it was given"
    out = runner.invoke(
        cli, ["search", "Hayek medal", "--index", str(settings.index_dir), "--json", "-k", "2"], obj=use
    )
    assert out.exit_code == 0, out.output
    hits = json.loads(out.output)
    assert hits[0]["source_id"] == "summit" and {"start", "end", "score", "title", "chunk_id"} <= set(hits[0])


def test_missing_index_is_one_line_and_exit_1(tmp_path, embedder) -> None:
    out = CliRunner().invoke(cli, ["search", "anything", "--index", str(tmp_path / "none")], obj={"embedder": embedder})
    assert out.exit_code == 1
    lines = out.output.strip().splitlines()
    assert len(lines) == 1 and "run `rag index`" in lines[0] and "Traceback" not in out.output


def test_missing_source_folder_is_one_line(tmp_path, embedder) -> None:
    args = ["index", "--source", str(tmp_path / "nope"), "--index", str(tmp_path / "i")]
    out = CliRunner().invoke(cli, args, obj={"embedder": embedder})
    assert out.exit_code == 1 and "does not exist" in out.output and len(out.output.strip().splitlines()) == 1


def test_bad_model_file_names_file_and_fix(settings, embedder, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("RAG_CHUNK_TOKENS", "40")
    monkeypatch.setenv("RAG_CHUNK_OVERLAP", "8")
    runner = CliRunner()
    use = {"embedder": embedder}
    runner.invoke(cli, ["index", "--source", str(settings.source_dir), "--index", str(settings.index_dir)], obj=use)
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"not a model")
    out = runner.invoke(
        cli,
        [
            "ask",
            "What satellite internet service has Musk provided?",
            "--index",
            str(settings.index_dir),
            "--model",
            str(bad),
        ],
        obj=use,
    )
    assert out.exit_code == 1
    assert str(bad) in out.output and "GGUF" in out.output and "Traceback" not in out.output


def test_settings_from_environment(monkeypatch) -> None:
    from rag.settings import Settings

    monkeypatch.setenv("RAG_K", "3")
    monkeypatch.setenv("RAG_INDEX_DIR", "/tmp/x")
    s = Settings.from_env()
    assert s.k == 3 and str(s.index_dir) == "/tmp/x"
    assert Settings.from_env(k=5).k == 5


def test_sources_and_filters_on_the_command_line(settings, embedder, monkeypatch) -> None:
    monkeypatch.setenv("RAG_CHUNK_TOKENS", "40")
    monkeypatch.setenv("RAG_CHUNK_OVERLAP", "8")
    (settings.source_dir / "dated.txt").write_text(
        "Lithium prices fall\n\nBy Metals Weekly, published 2024-02-03.\n\nLithium prices fell in Argentina."
    )
    runner, use, where = CliRunner(), {"embedder": embedder}, ["--index", str(settings.index_dir)]
    runner.invoke(cli, ["index", "--source", str(settings.source_dir), *where], obj=use)
    out = runner.invoke(cli, ["sources", *where], obj=use)
    assert out.exit_code == 0, out.output
    line = next(x for x in out.output.splitlines() if x.startswith("dated"))
    assert "2024-02-03" in line and "Metals Weekly" in line and "Lithium prices fall" in line and "(1 chunks)" in line
    listed = json.loads(runner.invoke(cli, ["sources", "--json", *where], obj=use).stdout)
    assert {"source_id", "title", "outlet", "author", "date", "chunks"} <= set(listed[0]) and len(listed) == 4
    out = runner.invoke(cli, ["search", "lithium Argentina", "--json", "--outlet", "metals weekly", *where], obj=use)
    assert [h["source_id"] for h in json.loads(out.stdout)] == ["dated"]
    out = runner.invoke(cli, ["search", "lithium", "--since", "2024-02-31", *where], obj=use)
    assert out.exit_code == 1 and len(out.output.strip().splitlines()) == 1
    assert "--since '2024-02-31' is not a date" in out.output and "YYYY-MM-DD, YYYY-MM or YYYY" in out.output
