"""The playground in a real browser: Debian's Chromium driven by Playwright against a real uvicorn
server on 127.0.0.1 (a free port)."""
import os
import subprocess
import sys
import time
from urllib.parse import urlsplit

import pytest

CHROMIUM = "/usr/bin/chromium"
if not os.path.exists(CHROMIUM):
    pytest.skip(f"the browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")
pytest.importorskip("uvicorn")

from neurona.playground.serve import BackgroundServer  # noqa: E402

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run"]
TF_IDS = ["play-pause-button", "reset-button", "next-step-button", "iter-number", "loss-train", "loss-test",
          "learningRate", "activations", "regularizations", "regularRate", "problem", "noise", "batchSize",
          "percTrainData", "show-test-data", "discretize", "data-regen-button", "add-layers", "remove-layers",
          "num-layers", "heatmap", "network", "linechart"]
# a link shared from playground.tensorflow.org
TF_LINK = ("#activation=relu&batchSize=5&dataset=xor&regDataset=reg-plane&learningRate=0.01&regularizationRate=0.003"
           "&noise=15&networkShape=3,3&seed=0.12345&showTestData=true&discretize=true&percTrainData=70&x=true&y=true"
           "&xTimesY=true&xSquared=false&ySquared=false&cosX=false&sinX=true&cosY=false&sinY=false"
           "&collectStats=false&problem=classification&initZero=false&hideText=false")


@pytest.fixture(scope="module")
def server():
    with BackgroundServer() as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server):
    r"""A page that may reach the playground's server only (every other request is refused and noted)."""
    context = browser.new_context(viewport={"width": 1300, "height": 1100}, accept_downloads=True)
    page = context.new_page()
    page.outside, page.errors = [], []
    own = urlsplit(server.url).netloc

    def route(r):
        if urlsplit(r.request.url).netloc == own:
            r.continue_()
        else:
            page.outside.append(r.request.url)
            r.abort()
    page.route("**/*", route)
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    yield page
    context.close()


def open_page(page, server, hash_=""):
    page.goto(server.url + hash_)
    page.wait_for_function("window.playgroundStats && window.playgroundStats.frames > 0", timeout=15000)


def epoch(page):
    return int(page.inner_text("#iter-number").replace(",", ""))


def heatmap_pixels(page):
    return page.evaluate("""() => { const c = document.getElementById('heatmap-canvas');
        return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data.filter((_, i) => i % 4 === 0)); }""")


def play_until_test_loss(page, below, seconds):
    page.click("#play-pause-button")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        text = page.inner_text("#loss-test")
        if text not in ("", "–") and float(text) < below:
            break
        time.sleep(0.1)
    page.click("#play-pause-button")
    return float(page.inner_text("#loss-test"))


def test_the_page_loads_offline_with_tensorflow_playgrounds_ids_and_trains(page, server, tmp_path):
    open_page(page, server)
    for element_id in TF_IDS:
        assert page.locator(f"#{element_id}").count() == 1, element_id
    assert page.locator("canvas[data-dataset=circle]").count() == 1
    assert page.locator("#network .node").count() >= 4 + 2 + 1
    assert epoch(page) == 0
    loss_before, pixels_before = page.inner_text("#loss-train"), heatmap_pixels(page)
    assert play_until_test_loss(page, 0.1, 10) < 0.1            # circle, TensorFlow Playground's defaults
    assert epoch(page) > 5 and page.inner_text("#loss-train") != loss_before
    assert heatmap_pixels(page) != pixels_before
    state = page.evaluate("window.playgroundState()")
    assert len(state["chart"]["train"]) == state["epoch"]
    page.screenshot(path=str(tmp_path / "playground.png"), full_page=True)
    assert page.outside == [] and page.errors == []


def test_a_tensorflow_playground_link_opens_the_same_settings(page, server):
    open_page(page, server, TF_LINK)
    assert page.input_value("#activations") == "relu"
    assert page.input_value("#learningRate") == "0.01"
    assert page.input_value("#regularRate") == "0.003"
    assert (page.input_value("#noise"), page.input_value("#batchSize"), page.input_value("#percTrainData")) == \
           ("15", "5", "70")
    assert page.is_checked("#show-test-data") and page.is_checked("#discretize")
    assert page.inner_text("#num-layers") == "2"
    assert "selected" in page.get_attribute("canvas[data-dataset=xor]", "class")
    assert page.locator("#network .node.feature:not(.off)").count() == 4       # x, y, x1x2, sin x1
    assert page.locator("#network .node.neuron").count() == 6
    state = page.evaluate("window.playgroundState()")
    assert state["settings"]["seed"] == "0.12345" and state["shape"] == [3, 3, 1]
    assert "seed=0.12345" in page.url and "networkShape=3,3" in page.url
    assert play_until_test_loss(page, 0.1, 10) < 0.1            # xor learns too


def test_controls_change_the_model_and_the_hash_and_hide_flags_hide(page, server):
    open_page(page, server, "#learningRate_hide=true&noise_hide=true&seed=0.7")
    assert not page.is_visible(".ui-learningRate") and not page.is_visible(".ui-noise")
    assert page.is_visible(".ui-activation")
    page.select_option("#activations", "sigmoid")
    page.wait_for_function("location.hash.includes('activation=sigmoid')")
    page.click("#add-layers")
    page.wait_for_function("window.playgroundState().shape.length === 4")
    assert "networkShape=4,2,2" in page.url
    page.click("#network .layer-header button[title='Add a neuron']")
    page.wait_for_function("window.playgroundState().shape[0] === 5")
    page.fill("#batchSize", "20")
    page.wait_for_function("location.hash.includes('batchSize=20')")
    page.click("canvas[data-dataset=spiral]")
    page.wait_for_function("location.hash.includes('dataset=spiral')")
    page.select_option("#problem", "regression")
    page.wait_for_function("window.playgroundState().problem === 'regression'")
    assert page.is_visible("canvas[data-regDataset=reg-plane]") and not page.is_visible("canvas[data-dataset=xor]")
    page.click("#network .node.feature.off >> nth=0")            # x1 squared joins the inputs
    page.wait_for_function("location.hash.includes('xSquared=true')")
    assert "learningRate_hide=true" in page.url
    latencies = page.evaluate("window.playgroundStats.latencies")
    assert len(latencies) >= 6
    # the +/- buttons stop where TensorFlow Playground's do, 6 layers of 8, unless larger networks are asked for
    for _ in range(6):                  # each click waits for its effect: the page redraws the buttons
        depth = page.evaluate("window.playgroundState().shape.length")
        page.click("#add-layers")
        page.wait_for_function(f"window.playgroundState().shape.length === {min(depth + 1, 7)}")
    page.wait_for_function("window.playgroundState().shape.length === 7")
    for _ in range(5):
        width = page.evaluate("window.playgroundState().shape[0]")
        page.click("#network .layer-header button[title='Add a neuron'] >> nth=0")
        page.wait_for_function(f"window.playgroundState().shape[0] === {min(width + 1, 8)}")
    page.wait_for_function("window.playgroundState().shape[0] === 8")
    page.click("#network .layer-header button[title='Add a neuron'] >> nth=0")
    page.click("#add-layers")
    time.sleep(0.3)
    assert page.evaluate("window.playgroundState().shape")[:1] == [8] and page.inner_text("#num-layers") == "6"
    page.check("#large-network")
    page.click("#add-layers")
    page.wait_for_function("window.playgroundState().shape.length === 8")
    assert page.errors == []


def test_user_data_upload_and_multiclass_spiral_train(page, server, tmp_path):
    open_page(page, server, "#seed=0.3&dataset=spiral&numClasses=3&loss=crossEntropy&networkShape=8,8"
                            "&optimizer=adam&learningRate=0.03")
    assert page.evaluate("window.playgroundState().classes") == 3
    page.click("#play-pause-button")
    page.wait_for_function("window.playgroundState().epoch >= 30")
    page.click("#play-pause-button")
    assert page.locator("#confusion tr").count() == 4           # header + 3 classes
    assert float(page.inner_text("#accuracy-train").rstrip("%")) > 50

    table = tmp_path / "mine.csv"
    lines = ["height;weight;kind"] + [f"{150 + i % 40};{50 + (i * 7) % 30};{'a' if i % 40 < 20 else 'b'}"
                                      for i in range(200)]
    table.write_text("\n".join(lines) + "\n")
    page.set_input_files("#csv-file", str(table))
    page.wait_for_selector("#csv-columns:not([hidden])")
    assert page.input_value("#csv-label") == "kind"
    page.click("#csv-use")
    page.wait_for_function("window.playgroundState().settings.dataset === 'user'")
    assert "200 points" in page.inner_text("#user-data-info")
    page.click("#next-step-button")
    page.wait_for_function("window.playgroundState().epoch === 1")

    page.click("#draw-button")
    box = page.locator("#points-canvas").bounding_box()
    for i, (fx, fy) in enumerate([(0.2, 0.2), (0.3, 0.25), (0.8, 0.7), (0.7, 0.8), (0.25, 0.3), (0.75, 0.75)]):
        page.mouse.move(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
        if i in (2, 3, 5):
            page.keyboard.down("Shift")
        page.mouse.down(), page.mouse.up()
        page.keyboard.up("Shift")
    page.click("#draw-use")
    page.wait_for_function("document.getElementById('user-data-info').textContent.startsWith('6 points')")
    bad = tmp_path / "bad.csv"
    bad.write_text("p,q,r\n1,2,x\n")
    page.set_input_files("#csv-file", str(bad))
    page.click("#csv-use")
    page.wait_for_function("document.getElementById('message').textContent.length > 0")
    assert page.evaluate("window.playgroundStats.errors.length") == 1
    assert page.errors == []


def test_export_as_code_runs_as_a_script_giving_the_page_numbers(page, server, tmp_path):
    open_page(page, server, "#seed=0.42&networkShape=5,3&xTimesY=true&regularization=L2&regularizationRate=0.001")
    page.click("#play-pause-button")
    page.wait_for_function("window.playgroundState().epoch >= 15")
    page.click("#play-pause-button")
    page.wait_for_function("!document.getElementById('play-pause-button').classList.contains('playing')")
    page.select_option("#learningRate", "0.1")                  # a live change, replayed by the script
    page.click("#next-step-button")
    page.wait_for_function("window.playgroundState().epoch >= 16")
    time.sleep(0.2)
    page.click("#export-button")
    page.wait_for_selector("#export-script:not([hidden])")
    script = tmp_path / "exported.py"
    with page.expect_download() as download:
        page.click("#download-script")
    download.value.save_as(script)
    state = page.evaluate("window.playgroundState()")
    src = os.path.join(os.path.dirname(__file__), "..", "src")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, PYTHONPATH=os.path.abspath(src)))
    assert done.returncode == 0, done.stderr
    printed = [(float(a), float(b)) for _, a, b in (line.split() for line in done.stdout.splitlines())]
    assert printed == list(zip(state["chart"]["train"], state["chart"]["test"]))
    assert len(printed) == state["epoch"]
    assert page.errors == []


def test_sweep_and_compare_and_the_classic_neurons(page, server):
    open_page(page, server, "#seed=0.3&dataset=xor")
    page.select_option("#sweep-name-1", "learningRate")
    page.fill("#sweep-values-1", "0.01, 0.1, 0.3")
    page.click("#sweep-run")
    page.wait_for_function("document.querySelectorAll('.sweep-cell').length === 3")
    page.wait_for_function("+document.getElementById('sweep-epoch').textContent.replace('epoch ', '') >= 5")
    assert "learningRate 0.3" in page.inner_text(".sweep-cell >> nth=2")
    page.click(".sweep-cell >> nth=2")
    page.wait_for_function("location.hash.includes('learningRate=0.3&')")
    page.wait_for_function("window.playgroundState().settings.learningRate === 0.3")
    assert page.input_value("#learningRate") == "0.3"
    page.wait_for_function("document.getElementById('sweep-epoch').textContent.startsWith('stopped')")

    # the classic neurons: a perceptron's line moves, one sample per click; a McCulloch-Pitts OR
    page.wait_for_selector("#classic-count:has-text('0 samples seen')")
    page.click("#classic-step")
    page.wait_for_selector("#classic-count:has-text('1 samples seen')")
    assert page.inner_text("#classic-trace").startswith("step 1 ")
    page.fill("#mp-threshold", "1")
    page.dispatch_event("#mp-threshold", "change")
    page.wait_for_function("document.querySelectorAll('#mp-table tr').length === 5 && "
                           "document.querySelector('#mp-table').textContent.includes('θ = 1')")
    outputs = page.eval_on_selector_all("#mp-table tr td:last-child", "cells => cells.map(c => c.textContent)")
    assert outputs == ["0", "1", "1", "1"]
    assert page.errors == []


def test_a_neuron_click_shows_its_mathematics_and_a_weight_or_bias_is_edited_in_place(page, server):
    open_page(page, server, "#seed=0.5")
    page.click("#network .node.neuron >> nth=0")
    page.wait_for_function("document.getElementById('math-text').textContent.includes('δ')")
    text = page.inner_text("#math-text")
    assert "z = Σ w·a + b" in text and "a = tanh(z)" in text and "∂L/∂w1" in text
    on_screen = """id => { const p = document.getElementById(id), m = p.getScreenCTM();
        const q = p.tagName === 'rect' ? {x: +p.getAttribute('x') + 3, y: +p.getAttribute('y') + 3}
                                       : p.getPointAtLength(p.getTotalLength() / 2);
        return [q.x * m.a + m.e, q.y * m.d + m.f]; }"""
    for element_id, kind, value in (("link-0-1-2", "Weight", "2.5"), ("bias-0-2", "Bias", "-1.5")):
        x, y = page.evaluate(on_screen, element_id)
        page.mouse.move(x, y)
        assert page.inner_text("#hovercard .text").startswith(kind + " is ")
        page.mouse.click(x, y)
        page.fill("#hovercard input", value)
        page.press("#hovercard input", "Enter")
        page.wait_for_function(f"window.playgroundState && document.getElementById('hovercard').style.display === 'none'")
        time.sleep(0.3)
        page.mouse.move(5, 5)
        page.mouse.move(x, y)
        assert page.inner_text("#hovercard .text") == f"{kind} is {float(value):.2f} (click to edit)"
    page.mouse.move(5, 5)
    page.select_option("#network .layer-activation >> nth=0", "relu")
    page.wait_for_function("location.hash.includes('layerActivations=relu,')")
    assert page.errors == []
