"""The pure core: no I/O, no framework, no clock read; time is an argument."""
