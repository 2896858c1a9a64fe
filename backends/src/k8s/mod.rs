//! Kubernetes backend: typed objects through k8s-openapi, a kustomization listing them.
