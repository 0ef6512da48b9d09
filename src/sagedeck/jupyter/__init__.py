"""A notebook instance's Jupyter server, reached through the presigned URL's sign-in."""
