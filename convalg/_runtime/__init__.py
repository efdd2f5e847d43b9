"""convalg's private numeric runtime: what every numeric path shares, written once.

``convalg.signal``, ``convalg.nn``, ``convalg.chunked`` and ``convalg.crosscheck`` all take
their argument checks, thread pool, FFT module, memory guard, output windows and device
helper from here, so a wrong argument gets the same exception and message whatever path
(eager or dask) it takes, and a fix to any of these lands once.

* :mod:`~convalg._runtime.validation` -- the one error policy (wrong type: TypeError, wrong
  value: ValueError; the message names the argument and the value);
* :mod:`~convalg._runtime.memory` -- the memory guard run before any large allocation;
* :mod:`~convalg._runtime.parallel` -- the one thread pool, the worker policy and per-call
  BLAS thread limits;
* :mod:`~convalg._runtime.fft` -- the FFT module, its ``workers`` and transform lengths;
* :mod:`~convalg._runtime.windows` -- which outputs of the full convolution each mode keeps;
* :mod:`~convalg._runtime.devices` -- the device an array lives on.

Nothing here is public API; import the submodules directly.
"""
