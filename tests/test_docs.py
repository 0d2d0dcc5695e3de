"""The documentation site: `mkdocs build --strict` (a broken link or reference fails), the tutorials
rendered with their outputs, the API reference with its formulas typeset, the errata page."""
import re
import sys

import pytest

pytest.importorskip("nbclient")
pytest.importorskip("mkdocs")
pytest.importorskip("latex2mathml")
from notebooks import ROOT  # noqa: E402

sys.path.insert(0, str(ROOT / "docs" / "hooks"))
import formulas  # noqa: E402


@pytest.fixture(scope="module")
def site(executed_tutorials, tmp_path_factory):
    import docs_site
    executed = {name: path for name, (path, error, _) in executed_tutorials.items() if error is None}
    if len(executed) < len(executed_tutorials):
        pytest.fail("a tutorial failed to run (see test_tutorials)")
    work = tmp_path_factory.mktemp("docs")
    result = docs_site.build(executed, work)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return work / "site"


def test_every_page_is_built(site):
    for page in ["index.html", "getting-started/index.html", "errata/index.html", "design/index.html",
                 "benchmarks/index.html",
                 "guide/models/index.html", "guide/notebooks/index.html", "guide/neurons/index.html",
                 "guide/autodiff/index.html", "guide/cli/index.html", "guide/data/index.html",
                 "guide/files/index.html", "guide/tuning/index.html", "guide/playground/index.html",
                 "reference/models/index.html", "reference/autodiff/index.html", "reference/tune/index.html",
                 "reference/playground/index.html", "reference/cli/index.html", "reference/keras/index.html"]:
        assert (site / page).is_file(), page


def test_tutorials_are_rendered_with_their_outputs(site):
    page = (site / "tutorials" / "000_supervised_learning" / "index.html").read_text(encoding="utf-8")
    assert "Epoch 1/5" in page and "val_accuracy" in page
    assert page.count("data:image/png;base64,") >= 4
    assert "Total params" in page
    assert len(list((site / "tutorials").glob("*/index.html"))) == 6


def test_the_api_reference_typesets_its_formulas(site):
    page = (site / "reference" / "optimizers" / "index.html").read_text(encoding="utf-8")
    adam = page[page.index('id="neurona.optimizers.Adam"'):]
    assert adam.index('<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">') < adam.index("upgrade_slots")
    assert "&lt;- beta_1 m" not in adam[:adam.index("upgrade_slots")]         # the plain form is replaced
    math = (site / "reference" / "math" / "index.html").read_text(encoding="utf-8")
    assert math.count("<math") > 30


def test_formula_conversion():
    assert formulas.to_latex("m <- beta_1 m + (1 - beta_1) dw") == r"m \leftarrow  {\beta}_{1} m + (1 - {\beta}_{1}) dw"
    assert formulas.to_latex("w - alpha m_hat / (sqrt(v_hat) + epsilon)") == \
        r"w - \alpha \hat{m} / (\sqrt{\hat{v}} + \epsilon)"
    assert formulas.to_latex("e^{-z}") == "e^{-z}" and formulas.to_latex("beta_1^t") == "{\\beta}_{1}^{t}"
    text = "a = max(alpha z, z) with a small slope alpha for z < 0"
    assert [text[s:e] for s, e in formulas.formula_spans(text)] == ["a = max(alpha z, z)", "z < 0"]
    assert formulas.formula_spans("Adam (Kingma & Ba, 2015) = momentum + RMSprop") == []
    assert formulas.typeset_block("model.fit(x, y, epochs=5)") is None                   # code stays code
    assert formulas.typeset_block("plot.roc_curve(y_true, y_score)   TPR against FPR") is None


def test_errata_gathers_every_lecture(site):
    page = (site / "errata" / "index.html").read_text(encoding="utf-8")
    for lecture in ("Lecture 000", "Lecture 001", "Lecture 002", "Lecture 004"):
        assert lecture in page
    assert len(re.findall(r"<tr>", page)) >= 30


def test_readme_links_to_the_site():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "mkdocs" in readme and "docs/tutorials" in readme


def test_every_public_module_is_in_the_api_reference():
    """Each public module has a ``::: module`` entry, or its package has one (a package's entry
    shows the classes and functions it gathers from its modules)."""
    import pkgutil

    import neurona
    text = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "docs" / "reference").glob("*.md"))
    documented = set(re.findall(r"^::: (neurona[\w.]*)$", text, re.M))
    modules = [m.name for m in pkgutil.walk_packages(neurona.__path__, "neurona.")
               if not any(part.startswith("_") for part in m.name.split("."))]
    missing = [m for m in modules if m not in documented and m.rsplit(".", 1)[0] not in documented]
    assert "neurona.tune.tuner" in modules and missing == []
    index = (ROOT / "docs" / "reference" / "index.md").read_text(encoding="utf-8")
    pages = set(re.findall(r"\]\((\w+\.md)\)", index))
    assert pages == {p.name for p in (ROOT / "docs" / "reference").glob("*.md")} - {"index.md"}


def test_the_reference_shows_tune_and_playground(site):
    tune = (site / "reference" / "tune" / "index.html").read_text(encoding="utf-8")
    assert "results_summary" in tune and "BayesianOptimization" in tune and "ranked_trials" in tune
    playground = (site / "reference" / "playground" / "index.html").read_text(encoding="utf-8")
    assert "from_hash" in playground and "Experiment" in playground and "node_outputs" in playground


#: (code box's scrollWidth, clientWidth) of the signature under a heading of the API reference
_SIGNATURE_WIDTHS = """(ident) => { const code = document.getElementById(ident).nextElementSibling.querySelector('code');
    return [code.scrollWidth, code.clientWidth]; }"""
#: the places where an output line of a tutorial wraps between two characters of a number
_BREAKS_IN_NUMBERS = """() => {
  const found = [], range = document.createRange();
  for (const pre of document.querySelectorAll('.jp-OutputArea-output pre')) {
    const walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
    let top = null, previous = '';
    while (walker.nextNode()) {
      const node = walker.currentNode;
      for (let i = 0; i < node.length; i++) {
        if (node.data[i] === '\\n') { top = null; continue; }
        range.setStart(node, i); range.setEnd(node, i + 1);
        const box = range.getClientRects()[0];
        if (!box) continue;
        if (top !== null && box.top > top + 2 && /[0-9.]/.test(previous) && /[0-9.]/.test(node.data[i]))
          found.push(node.data.slice(Math.max(0, i - 10), i + 10));
        top = box.top; previous = node.data[i];
      }
    }
  }
  return found;
}"""


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    import shutil
    if shutil.which("chromium") is None:
        pytest.skip("no Chromium to render the site with")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=shutil.which("chromium"), headless=True,
                                              args=["--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


@pytest.mark.parametrize("width", [1280, 800])
def test_the_reference_shows_whole_signatures_and_the_tutorials_whole_numbers(site, browser, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        for reference, ident in (("models", "neurona.layers.Dense"), ("optimizers", "neurona.optimizers.Adam")):
            page.goto((site / "reference" / reference / "index.html").resolve().as_uri())
            scrolled, shown = page.evaluate(_SIGNATURE_WIDTHS, ident)
            assert scrolled <= shown, f"{ident}'s signature is cut off: {scrolled} px in a box of {shown}"
        page.goto((site / "tutorials" / "000_supervised_learning" / "index.html").resolve().as_uri())
        assert page.locator(".jp-OutputArea-output pre", has_text="val_loss").count() > 0
        assert page.evaluate(_BREAKS_IN_NUMBERS) == []
    finally:
        page.close()
