"""The demo company behind `servicescore demo`: a Chinese NEV after-sales network with six
months of work orders and customer voice (small), or a national network with millions of
rows written by bulk loaders (large).

    config.py    scales, the demo clock (now = today's local midnight), timestamp text
    catalog.py   the fixed vocabulary: cities, teams, vehicles, parts, courses, comments
    people.py    org tree, employees and manager lines, archive, log-ins, metric facts
    workload.py  customers, vehicles, work orders with events, labour and parts lines, and
                 the surveys, follow-ups, complaints and praise that follow them
    bulk.py      wipe, column lists, writers (bulk_create / executemany / COPY), indexes
    builder.py   puts the pieces together and reports what it built
"""
