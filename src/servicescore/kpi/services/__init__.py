"""kpi writes, by subdomain: `recompute` (the engine that stores figures and drains the
queue) and `import_recompute` (what an import touched, queued once it commits)."""
