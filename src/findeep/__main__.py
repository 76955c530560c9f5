"""``python -m findeep`` (and ``torchrun -m findeep train ...``): the same CLI."""

from findeep.cli import main

main()
