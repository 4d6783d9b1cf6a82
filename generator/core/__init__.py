"""The official form, the data model and the site's public addresses, which every stage shares."""
