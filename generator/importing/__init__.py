"""Published reports (page text, saved HTML) read back into gongkai's data files."""
