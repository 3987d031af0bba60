"""The vocabulary the services and the gateway share: each kind of code (how a complaint can
end, …) has one module here that every place branching on or naming those codes asks."""
