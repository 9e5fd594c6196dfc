unit-bins:
