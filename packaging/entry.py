"""Entry point of the packaged build (PyInstaller): the `farm-gui` command.

`farm-gui --compile-kernels` compiles and caches the numba functions (the build runs it
once, so that the cache ships inside the package); anything else is the normal command
line (`farm-gui`, `farm-gui PATH`, `farm-gui run ...`)."""

import multiprocessing
import sys


def main() -> int:
    multiprocessing.freeze_support()
    if sys.argv[1:2] == ["--compile-kernels"]:
        from farm_gui.warmup import main as compile_kernels

        return compile_kernels()
    from farm_gui.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
