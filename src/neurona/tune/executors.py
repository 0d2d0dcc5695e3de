r"""Where trials run: ``executor=`` of every tuner.

    None                          one after another in this process
    4                             4 local worker processes, one BLAS thread each
    concurrent.futures.Executor   any pool (threads, processes, ...)
    dask.distributed.Client       the cluster's workers (the ``neurona[dask]`` extra)

The oracle stays in the calling process; a trial is ``runner.run_trial(task, payload)``. The
payload (the hypermodel and search()'s data and fit arguments) is the same for every trial, so it
is sent to each worker once: local processes receive it when they start, a Dask cluster holds it
scattered (replicated on every worker). A worker that dies mid-trial makes that trial's result a
``WorkerLost``, which the tuner retries like a failure.
"""
from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import pickle

from . import runner


class WorkerLost(RuntimeError):
    r"""The process running a trial died (killed, out of memory) before it returned."""


def _dumps(obj) -> bytes:
    r"""Pickle ``obj``, functions of notebooks and closures included when cloudpickle is there."""
    try:
        import cloudpickle
        return cloudpickle.dumps(obj)
    except ImportError:
        try:
            return pickle.dumps(obj)
        except (pickle.PicklingError, AttributeError, TypeError) as error:
            raise TypeError(f"The hypermodel and search()'s arguments must pickle to run in worker processes "
                            f"({error}); define build_model at a module's top level, or pip install cloudpickle."
                            ) from error


class InProcess:
    r"""Trials one after another, here (a pruner's reports go straight to the oracle)."""

    slots = 1

    def __init__(self, report=None):
        self.report = report

    def start(self, payload):
        self.payload = payload

    def submit(self, task):
        future = cf.Future()
        report = None
        if self.report is not None:
            trial_id = task["trial_id"]
            report = lambda epoch, value: self.report(trial_id, epoch, value)   # noqa: E731
        future.set_result(runner.run_trial(task, self.payload, report))
        return future

    def wait(self, futures):
        return [f for f in futures if f.done()] or [next(iter(futures))]

    def result(self, future):
        return future.result()

    def shutdown(self):
        self.payload = None


class CustomInProcess(InProcess):
    r"""A Tuner subclass's own ``run_trial``, called here with search()'s arguments."""

    def __init__(self, tuner, args, kwargs):
        super().__init__()
        self.tuner, self.args, self.kwargs = tuner, args, kwargs

    def submit(self, trial):
        future = cf.Future()
        future.set_result(runner.run_custom_trial(self.tuner.run_trial, trial, self.tuner.oracle.objective,
                                                  self.args, self.kwargs))
        return future


_worker_payload = None


def _start_worker(payload_bytes: bytes) -> None:
    r"""A local worker process: one BLAS thread (the processes share the cores), the payload kept."""
    global _worker_payload
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = "1"
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(1)
    except ImportError:
        pass
    _worker_payload = pickle.loads(payload_bytes)


def _run_in_worker(task: dict) -> dict:
    return runner.run_trial(task, _worker_payload)


def _run_with_payload(task: dict, payload_bytes: bytes) -> dict:
    return runner.run_trial(task, pickle.loads(payload_bytes))


class LocalProcesses:
    r"""``n`` worker processes of this machine, each its own one-process pool (started by forkserver,
    so no thread state is forked): a worker that dies loses only its own trial, and only its
    process is started again."""

    def __init__(self, n: int):
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"executor: a number of local worker processes must be >= 1; got {n!r}.")
        self.slots = n
        self.pools: list = []
        self.busy: dict = {}            # future -> index of the pool running it

    def start(self, payload):
        self.payload_bytes = _dumps(payload)
        self.pools = [self._new_pool() for _ in range(self.slots)]

    def _new_pool(self):
        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        return cf.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context(method),
                                      initializer=_start_worker, initargs=(self.payload_bytes,))

    def submit(self, task):
        free = next(i for i in range(self.slots) if i not in self.busy.values())
        future = self.pools[free].submit(_run_in_worker, task)
        self.busy[future] = free
        return future

    def wait(self, futures):
        return cf.wait(list(futures), return_when=cf.FIRST_COMPLETED).done

    def result(self, future):
        index = self.busy.pop(future)
        try:
            return future.result()
        except cf.process.BrokenProcessPool as error:
            self.pools[index].shutdown(wait=False, cancel_futures=True)
            self.pools[index] = self._new_pool()
            raise WorkerLost(f"its worker process died mid-trial ({error})") from None

    def shutdown(self):
        for pool in self.pools:
            pool.shutdown(wait=True, cancel_futures=True)
        self.pools, self.busy = [], {}


class FuturesExecutor:
    r"""Any ``concurrent.futures.Executor``: the payload goes with each trial (threads share it)."""

    def __init__(self, executor: cf.Executor):
        self.executor = executor
        self.slots = getattr(executor, "_max_workers", None) or os.cpu_count() or 1

    def start(self, payload):
        self.threads = isinstance(self.executor, cf.ThreadPoolExecutor)
        self.payload = payload if self.threads else _dumps(payload)

    def submit(self, task):
        if self.threads:
            return self.executor.submit(runner.run_trial, task, self.payload)
        return self.executor.submit(_run_with_payload, task, self.payload)

    def wait(self, futures):
        return cf.wait(list(futures), return_when=cf.FIRST_COMPLETED).done

    def result(self, future):
        try:
            return future.result()
        except cf.process.BrokenProcessPool as error:
            raise WorkerLost(f"a worker process died mid-trial ({error})") from None

    def shutdown(self):
        self.payload = None


class DaskExecutor:
    r"""A ``dask.distributed.Client``'s workers; the payload is scattered to all of them once."""

    def __init__(self, client):
        self.client = client

    @property
    def slots(self) -> int:
        threads = self.client.nthreads()
        return max(sum(threads.values()), 1)

    def start(self, payload):
        self._payload_value = payload
        self._scatter()

    def _scatter(self):
        # in a list: one future for the whole payload, under a fresh key (a dict would be scattered
        # value by value under its own keys, "args", "kwargs", ..., which the next search reuses)
        [self.payload] = self.client.scatter([self._payload_value], broadcast=True, hash=False)

    def submit(self, task):
        if self.payload.status != "finished":       # its replicas went with dead workers: send it again
            self._scatter()
        return self.client.submit(runner.run_trial, task, self.payload, pure=False,
                                  key=f"neurona-trial-{task['trial_id']}-{task['try']}-{os.urandom(4).hex()}")

    def wait(self, futures):
        from distributed import wait
        futures = list(futures)
        try:
            return wait(futures, return_when="FIRST_COMPLETED").done
        except cf.CancelledError:           # the scheduler dropped some (a worker died): they are done
            return {f for f in futures if f.status != "pending"}

    def result(self, future):
        from distributed import KilledWorker
        try:
            return future.result()
        except KilledWorker as error:
            raise WorkerLost(f"the Dask workers running it died ({error})") from None
        except cf.CancelledError as error:
            raise WorkerLost(f"the Dask scheduler dropped it when a worker died ({error})") from None

    def shutdown(self):
        if getattr(self, "payload", None) is not None:
            self.client.cancel([self.payload])
            self.payload = self._payload_value = None


def make(executor, report=None):
    r"""The executor object for a tuner's ``executor=`` argument."""
    if executor is None:
        return InProcess(report)
    if isinstance(executor, int) and not isinstance(executor, bool):
        return LocalProcesses(executor)
    if isinstance(executor, cf.Executor):
        return FuturesExecutor(executor)
    if type(executor).__module__.startswith("distributed") and hasattr(executor, "scatter"):
        return DaskExecutor(executor)
    raise TypeError(f"executor must be None (this process), a number of local processes, a "
                    f"concurrent.futures.Executor or a dask.distributed.Client; got {executor!r}.")
