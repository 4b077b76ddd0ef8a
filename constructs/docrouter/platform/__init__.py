"""The platform: cdk8s constructs that describe doc-router (the nouns).

app (frontend, backend, worker, ingress), workload (Deployment + Service + PDB + HPA),
mongodb (MongoDBCommunity + MongoDBSearch for MongoDB's operator), network (NetworkPolicies),
migration (the pre-deploy Job), infrastructure (namespaces, storage, Helm controllers, issuers),
flux (the Flux objects of clusters/<env>/); k8s and typed build every object through typed classes.
A change to what runs in a cluster starts here.
"""
