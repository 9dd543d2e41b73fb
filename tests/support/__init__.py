"""What every test folder shares: clock (the manual clock and `at`), databases (one fresh-database helper and the demo
site), office (the demo people's password and the drivers that act as them, in-process and over HTTP), servers (a
free port, uvicorn in a thread, a webhook receiver)."""
