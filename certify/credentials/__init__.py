"""Credentials: issued credentials, their lifecycle, certificates and public verification."""
