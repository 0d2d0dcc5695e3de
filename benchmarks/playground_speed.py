r"""How live the playground is, measured in the browser: updates per second while playing and the
time from a control change to its effect on the page.

A real uvicorn server on 127.0.0.1 and Debian's Chromium (headless, through Playwright) open the
page with TensorFlow Playground's largest network, 6 hidden layers of 8 neurons, on the circle set
(500 points). While it plays, each update is one epoch of training plus everything the page
draws: the output heatmap, every neuron's heatmap, every weight and bias, the losses and their
chart. The script prints

    updates per second      frames the page drew per second of play (median of the rounds)
    page's drawing          milliseconds of JavaScript per frame
    control -> effect       milliseconds from a control's change to the page showing the new state
                            (median and worst; live changes while playing, and a change that
                            builds a new network while paused)

    python benchmarks/playground_speed.py                  # inputs x1, x2; 3 rounds of 4 s
    python benchmarks/playground_speed.py --all-features --rounds 5
"""
from __future__ import annotations

import argparse
import statistics
import time

from playwright.sync_api import sync_playwright

from neurona.playground.serve import BackgroundServer

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--all-features", action="store_true", help="all 7 input features instead of x1, x2")
    options = parser.parse_args()
    features = "&xSquared=true&ySquared=true&xTimesY=true&sinX=true&sinY=true" if options.all_features else ""
    link = f"#networkShape=8,8,8,8,8,8&dataset=circle&seed=0.5&batchSize=10{features}"
    with BackgroundServer() as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1300, "height": 1100})
        page.goto(server.url + link)
        page.wait_for_function("window.playgroundStats.frames > 0")
        assert page.evaluate("window.playgroundState().shape") == [8] * 6 + [1]

        def counters():
            return page.evaluate("[window.playgroundStats.frames, window.playgroundStats.renderMs, performance.now()]")

        rates, drawing = [], []
        page.click("#play-pause-button")
        time.sleep(1.0)
        for _ in range(options.rounds):
            frames0, render0, t0 = counters()
            time.sleep(options.seconds)
            frames1, render1, t1 = counters()
            rates.append((frames1 - frames0) / ((t1 - t0) / 1000))
            drawing.append((render1 - render0) / max(1, frames1 - frames0))

        def latencies(changes):
            before = len(page.evaluate("window.playgroundStats.latencies"))
            for selector, value in changes:
                page.select_option(selector, value)
                page.wait_for_function(f"window.playgroundStats.latencies.length > {before}")
                before += 1
                time.sleep(0.15)
            return page.evaluate("window.playgroundStats.latencies")[-len(changes):]

        rates_live = latencies([("#learningRate", v) for v in ("0.01", "0.03", "0.1", "0.03")] * 3)
        page.click("#play-pause-button")
        time.sleep(0.3)
        rebuilds = latencies([("#activations", v) for v in ("relu", "tanh", "sigmoid", "tanh")] * 3)
        epoch = page.evaluate("window.playgroundState().epoch")
        browser.close()
    print(f"network 2{'+5' if options.all_features else ''} inputs, 6 x 8 hidden, circle (500 points); "
          f"{epoch} epochs played")
    print(f"updates per second      {statistics.median(rates):.1f}  (rounds: {', '.join(f'{r:.1f}' for r in rates)})")
    print(f"page's drawing          {statistics.median(drawing):.2f} ms per frame")
    print(f"control -> effect       live change while playing: median {statistics.median(rates_live):.0f} ms, "
          f"worst {max(rates_live):.0f} ms")
    print(f"                        new network while paused:  median {statistics.median(rebuilds):.0f} ms, "
          f"worst {max(rebuilds):.0f} ms")


if __name__ == "__main__":
    main()
