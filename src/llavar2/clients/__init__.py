"""Clients of the services that several stages talk to, below all of them."""
