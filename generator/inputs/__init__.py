"""Reading the site's files: bytes to text, the two YAML readers, typed fields, site.yaml and units.yaml."""
