"""The policy is the table of who may do what; the services ask it. The policy never reaches
back into the services (not even through another module), so that either can be read, and
imported, without the other."""

import grimp


def test_the_policy_does_not_import_the_services():
    graph = grimp.build_graph("servicescore")
    assert graph.chain_exists(
        importer="servicescore.workorders.services", imported="servicescore.workorders.policy"
    )
    assert not graph.chain_exists(
        importer="servicescore.workorders.policy", imported="servicescore.workorders.services"
    ), graph.find_shortest_chain(
        importer="servicescore.workorders.policy", imported="servicescore.workorders.services"
    )
