"""Documents in: file formats, reading them into Documents, the corpus folder."""
