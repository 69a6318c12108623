"""Customer voice's pages, one module per subdomain."""
