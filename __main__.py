"""``python -m nianbao …``: the ``nianbao`` command (for Windows and any
machine where the console script is not on PATH)."""
from nianbao.pipeline import main

if __name__ == "__main__":
    main()
