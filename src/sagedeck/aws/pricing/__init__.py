"""What a notebook instance costs per hour: the AWS Price List Query API, cached on disk.

The Price List API (service code ``AmazonSageMaker``) prices each ``ml.*`` type several times
over: as a notebook instance, for training, for hosting, and more. What marks notebook-instance
usage is the ``usagetype`` attribute, ``<region prefix>-Notebk:<type>`` (``USE1-Notebk:
ml.t3.medium``; the prefix differs per region, so it is matched, not built). The request narrows
the products by ``regionCode`` and the instance-type attribute (``instanceName`` or
``instanceType``, whichever ``DescribeServices`` lists for the service); the notebook product is
then picked by its ``usagetype`` and its on-demand price per hour in USD read from
``terms.OnDemand``. Prices are on-demand estimates: they leave out storage (per GB-month), data
transfer and any discount (Savings Plans).

The API answers in a few regions only; sagedeck asks us-east-1 (or the configured endpoint).
It is slow and rate-limited and its prices change rarely: each (region, type) is asked once, a
few at a time, and kept on disk for a day (``cache``, standard library only: the quick ``ls``
reads it without botocore). A cache file that cannot be read is ignored. Prices never hold up a
listing: each request is bounded (``products.CONNECT_SECONDS``, ``ANSWER_SECONDS``), the first
that fails stops the others, and an API denied or unreachable (a network that blocks it) is
remembered on disk for a quarter of an hour, so the next run says so without waiting again.
``products`` holds the requests and the reading of the answer (standard library only:
``sagedeck.aws.quick.pricing`` asks with them too), ``client`` the aiobotocore calls.
"""
