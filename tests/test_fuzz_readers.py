"""Every reader returns text or refuses the file cleanly, whatever its bytes.

The brief form of ``bench/fuzz_readers.py``: the same targets, seeds and
mutations, driven by hypothesis (a fixed set of examples, so that a run
fails only when the code changes), then each problem the fuzzer found,
as the smallest input that showed it.
"""

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.errors import UnreadableFileError
from indexer.read import read_file
from kb.config import Limits

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from fuzz_targets import TARGETS, mutate  # noqa: E402

DATA = Path(__file__).resolve().parent / "data" / "fuzz"
# PDFium takes about 0.3 s an input on the real seeds: fewer examples keep the whole file under ~30 s.
EXAMPLES = {"pdf": 8, "docx": 40, "txt-utf16": 40}


@pytest.mark.parametrize("target", TARGETS, ids=[t.name for t in TARGETS])
def test_reader_returns_text_or_refuses_whatever_the_bytes(target, tmp_path):
    seeds = target.seeds()
    if not seeds:
        pytest.skip(f"no seed files for {target.name}: ../shared/data is absent")
    path = tmp_path / f"input{target.suffix}"

    @settings(max_examples=EXAMPLES.get(target.name, 15), deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(seed=st.sampled_from(seeds), rng=st.randoms(use_true_random=False))
    def reads_or_refuses(seed, rng):
        path.write_bytes(mutate(seed, rng, target))
        try:
            read_file(path, limits=Limits())
        except UnreadableFileError:
            pass

    reads_or_refuses()


# Word packages the fuzzer found python-docx failing on with AttributeError (each cut down to its cause).
WORD_REGRESSIONS = {
    "docx-types-root.docx": "[Content_Types].xml whose root is not <Types> in its namespace",
    "docx-default-no-ext.docx": "a content type <Default> without its Extension",
    "docx-rels-root.docx": "_rels/.rels whose root is not <Relationships> in its namespace",
    "docx-doc-root.docx": "a main part holding <w:styles> instead of <w:document>",
    "docx-styles-generic.docx": "a styles relationship to a part whose content type is not styles",
}


@pytest.mark.parametrize("name", WORD_REGRESSIONS, ids=list(WORD_REGRESSIONS.values()))
def test_word_packages_the_fuzzer_broke_are_refused(name):
    with pytest.raises(UnreadableFileError, match="not a valid Word file"):
        read_file(DATA / name, limits=Limits())


def test_pdf_whose_page_cannot_be_loaded_is_refused():
    """88 bytes the fuzzer cut a court PDF down to: a page tree without pages; PDFium opens it, then fails on page 1."""
    with pytest.raises(UnreadableFileError, match="a damaged PDF: page 1 cannot be read"):
        read_file(DATA / "pdf-page-fails-to-load.pdf", limits=Limits())
