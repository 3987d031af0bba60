import pytest
from nameko.containers import ServiceContainer
from nameko.standalone.rpc import ServiceRpcProxy
from pymongo import MongoClient

from plumbing.config import database_name
from plumbing.mongo import create_indexes


@pytest.fixture
def config(system_env):
    return {"AMQP_URI": system_env["AMQP_URI"], "WEB_SERVER_ADDRESS": "127.0.0.1:0",
            "max_workers": 10}


@pytest.fixture
def start_service(config):
    """Starts a nameko container of the given class in this process; stops it afterwards."""
    containers = []

    def start(service_cls):
        container = ServiceContainer(service_cls, config)
        container.start()
        containers.append(container)
        return container

    yield start
    for container in reversed(containers):
        container.stop()


@pytest.fixture
def rpc(config):
    proxies = []

    def proxy(service_name, **context):
        rpc_proxy = ServiceRpcProxy(service_name, config, context_data=context or None)
        proxies.append(rpc_proxy)
        return rpc_proxy.start()

    yield proxy
    for rpc_proxy in proxies:
        rpc_proxy.stop()


@pytest.fixture
def database(system_env):
    """Direct access to a service's database, to check what was really stored."""
    client = MongoClient(system_env["MONGO_URI"])
    yield lambda service_name: client[database_name(service_name)]
    client.close()


@pytest.fixture
def empty_database(database):
    """A database of the given name with nothing in it (what a test before left is dropped)."""
    def empty(name):
        db = database(name)
        for collection in db.list_collection_names():
            db[collection].drop()
        return db
    return empty


@pytest.fixture
def indexed_store(empty_database):
    """A store of the given class over an empty database of the given name, with every index
    the service makes."""
    def made(store_class, name):
        db = empty_database(name)
        for collection, models in store_class.all_indexes().items():
            create_indexes(db[collection], models)
        return store_class(db)
    return made
