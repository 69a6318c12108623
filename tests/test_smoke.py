def test_network_fixture_builds_paths(network):
    assert network.t11.path.startswith(network.sc1.path)
    assert network.sc1.path.startswith(network.company.path)
