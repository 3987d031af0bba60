"""The embedded store, nx-27017, with its per-command INFO logging turned down to warnings
(it logs every command twice, which costs more than the command on a hot path)."""
import logging
import sys

from nx_27017.nx_27017 import main

if __name__ == "__main__":
    logging.getLogger("nx_27017").setLevel(logging.WARNING)
    sys.argv[0] = "nx-27017"
    sys.exit(main())
