"""Mutants: known isolation bugs planted in a copy of the stack, to prove the suites catch them."""
