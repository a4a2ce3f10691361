"""What the tests share: the command run in-process, transformers references, the site served
and read in Chromium. Not test modules themselves."""
