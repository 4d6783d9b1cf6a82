"""Pages through the Jinja templates: the official tables, the 图解."""
