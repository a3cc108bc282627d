/// Copies of `shared/fixtures/kubernetes/*.json`, byte for byte (Package.swift declares no test resources).
enum KubernetesFixtures {
    /// kubernetes/configmap-shop-config.json
    static let configmapShopConfig = #"""
        {
          "apiVersion": "v1",
          "kind": "ConfigMap",
          "metadata": {
            "name": "shop-config",
            "namespace": "shop"
          },
          "data": {
            "DATABASE_URL": "postgres://db:5432/shop",
            "LOG_LEVEL": "info",
            "FEATURE_FLAGS": "checkout-v2"
          }
        }
        """#

    /// kubernetes/deployment-complete.json
    static let deploymentComplete = #"""
        {
          "apiVersion": "apps/v1",
          "kind": "Deployment",
          "metadata": {
            "name": "shop",
            "namespace": "shop",
            "generation": 12,
            "annotations": {
              "deployment.kubernetes.io/revision": "12"
            }
          },
          "spec": {
            "replicas": 3,
            "selector": {
              "matchLabels": {
                "app": "shop"
              }
            },
            "template": {
              "spec": {
                "containers": [
                  {
                    "name": "shop",
                    "image": "ghcr.io/nortinia-ltd/shop:main-5394cb7"
                  }
                ]
              }
            }
          },
          "status": {
            "observedGeneration": 12,
            "replicas": 3,
            "updatedReplicas": 3,
            "readyReplicas": 3,
            "availableReplicas": 3,
            "conditions": [
              {
                "type": "Available",
                "status": "True",
                "reason": "MinimumReplicasAvailable",
                "message": "Deployment has minimum availability."
              },
              {
                "type": "Progressing",
                "status": "True",
                "reason": "NewReplicaSetAvailable",
                "message": "ReplicaSet \"shop-7c9d8f6b5d\" has successfully progressed."
              }
            ]
          }
        }
        """#

    /// kubernetes/deployment-deadline-exceeded.json
    static let deploymentDeadlineExceeded = #"""
        {
          "apiVersion": "apps/v1",
          "kind": "Deployment",
          "metadata": {
            "name": "shop",
            "namespace": "shop",
            "generation": 12,
            "annotations": {
              "deployment.kubernetes.io/revision": "12"
            }
          },
          "spec": {
            "replicas": 3,
            "selector": {
              "matchLabels": {
                "app": "shop"
              }
            },
            "template": {
              "spec": {
                "containers": [
                  {
                    "name": "shop",
                    "image": "ghcr.io/nortinia-ltd/shop:main-5394cb7"
                  }
                ]
              }
            }
          },
          "status": {
            "observedGeneration": 12,
            "replicas": 4,
            "updatedReplicas": 1,
            "readyReplicas": 3,
            "availableReplicas": 3,
            "conditions": [
              {
                "type": "Available",
                "status": "True",
                "reason": "MinimumReplicasAvailable",
                "message": "Deployment has minimum availability."
              },
              {
                "type": "Progressing",
                "status": "False",
                "reason": "ProgressDeadlineExceeded",
                "message": "ReplicaSet \"shop-7c9d8f6b5d\" has timed out progressing."
              }
            ]
          }
        }
        """#

    /// kubernetes/deployment-progressing.json
    static let deploymentProgressing = #"""
        {
          "apiVersion": "apps/v1",
          "kind": "Deployment",
          "metadata": {
            "name": "shop",
            "namespace": "shop",
            "generation": 12,
            "annotations": {
              "deployment.kubernetes.io/revision": "12"
            }
          },
          "spec": {
            "replicas": 3,
            "selector": {
              "matchLabels": {
                "app": "shop"
              }
            },
            "template": {
              "spec": {
                "containers": [
                  {
                    "name": "shop",
                    "image": "ghcr.io/nortinia-ltd/shop:main-5394cb7"
                  }
                ]
              }
            }
          },
          "status": {
            "observedGeneration": 12,
            "replicas": 4,
            "updatedReplicas": 1,
            "readyReplicas": 3,
            "availableReplicas": 3,
            "conditions": [
              {
                "type": "Available",
                "status": "True",
                "reason": "MinimumReplicasAvailable",
                "message": "Deployment has minimum availability."
              },
              {
                "type": "Progressing",
                "status": "True",
                "reason": "ReplicaSetUpdated",
                "message": "ReplicaSet \"shop-7c9d8f6b5d\" is progressing."
              }
            ]
          }
        }
        """#

    /// kubernetes/events-failedscheduling.json
    static let eventsFailedscheduling = #"""
        {
          "apiVersion": "v1",
          "kind": "EventList",
          "items": [
            {
              "metadata": {
                "name": "shop-7c9d8f6b5d-p8w4z.17f0a1b2c3d4e5f6",
                "namespace": "shop"
              },
              "involvedObject": {
                "kind": "Pod",
                "namespace": "shop",
                "name": "shop-7c9d8f6b5d-p8w4z"
              },
              "reason": "FailedScheduling",
              "type": "Warning",
              "count": 3,
              "message": "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."
            }
          ]
        }
        """#

    /// kubernetes/kustomization-build-failed.json
    static let kustomizationBuildFailed = #"""
        {
          "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
          "kind": "Kustomization",
          "metadata": {
            "name": "shop-prod",
            "namespace": "flux-system",
            "generation": 7,
            "annotations": {
              "reconcile.fluxcd.io/requestedAt": "2026-11-20T10:00:00.123456789Z"
            }
          },
          "spec": {
            "interval": "10m",
            "path": "./clusters/prod/shop",
            "prune": true,
            "sourceRef": {
              "kind": "GitRepository",
              "name": "gitops"
            },
            "wait": true,
            "timeout": "5m"
          },
          "status": {
            "observedGeneration": 7,
            "lastHandledReconcileAt": "2026-11-20T10:00:00.123456789Z",
            "lastAppliedRevision": "main@sha1:1111111111111111111111111111111111111111",
            "lastAttemptedRevision": "main@sha1:5394cb7f48332b2de7c17dd8b8384bbc84b7e738",
            "conditions": [
              {
                "type": "Ready",
                "status": "False",
                "reason": "BuildFailed",
                "message": "kustomize build failed: accumulating resources: accumulation err='accumulating resources from 'deployment.yaml': missing metadata.name in object {{apps/v1 Deployment} {{ } map[] map[]}}'",
                "observedGeneration": 7,
                "lastTransitionTime": "2026-11-20T10:00:41Z"
              }
            ]
          }
        }
        """#

    /// kubernetes/kustomization-healthcheck-failed.json
    static let kustomizationHealthcheckFailed = #"""
        {
          "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
          "kind": "Kustomization",
          "metadata": {
            "name": "shop-prod",
            "namespace": "flux-system",
            "generation": 7,
            "annotations": {
              "reconcile.fluxcd.io/requestedAt": "2026-11-20T10:00:00.123456789Z"
            }
          },
          "spec": {
            "interval": "10m",
            "path": "./clusters/prod/shop",
            "prune": true,
            "sourceRef": {
              "kind": "GitRepository",
              "name": "gitops"
            },
            "wait": true,
            "timeout": "5m"
          },
          "status": {
            "observedGeneration": 7,
            "lastHandledReconcileAt": "2026-11-20T10:00:00.123456789Z",
            "lastAppliedRevision": "main@sha1:1111111111111111111111111111111111111111",
            "lastAttemptedRevision": "main@sha1:5394cb7f48332b2de7c17dd8b8384bbc84b7e738",
            "conditions": [
              {
                "type": "Ready",
                "status": "False",
                "reason": "HealthCheckFailed",
                "message": "health check failed after 5m0.012s: timeout waiting for: [Deployment/shop/shop status: 'InProgress']",
                "observedGeneration": 7,
                "lastTransitionTime": "2026-11-20T10:00:41Z"
              }
            ]
          }
        }
        """#

    /// kubernetes/kustomization-ready.json
    static let kustomizationReady = #"""
        {
          "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
          "kind": "Kustomization",
          "metadata": {
            "name": "shop-prod",
            "namespace": "flux-system",
            "generation": 7,
            "annotations": {
              "reconcile.fluxcd.io/requestedAt": "2026-11-20T10:00:00.123456789Z"
            }
          },
          "spec": {
            "interval": "10m",
            "path": "./clusters/prod/shop",
            "prune": true,
            "sourceRef": {
              "kind": "GitRepository",
              "name": "gitops"
            },
            "wait": true,
            "timeout": "5m"
          },
          "status": {
            "observedGeneration": 7,
            "lastHandledReconcileAt": "2026-11-20T10:00:00.123456789Z",
            "lastAppliedRevision": "main@sha1:5394cb7f48332b2de7c17dd8b8384bbc84b7e738",
            "lastAttemptedRevision": "main@sha1:5394cb7f48332b2de7c17dd8b8384bbc84b7e738",
            "conditions": [
              {
                "type": "Ready",
                "status": "True",
                "reason": "ReconciliationSucceeded",
                "message": "Applied revision: main@sha1:5394cb7f48332b2de7c17dd8b8384bbc84b7e738",
                "observedGeneration": 7,
                "lastTransitionTime": "2026-11-20T10:00:41Z"
              }
            ]
          }
        }
        """#

    /// kubernetes/pods-configmap-key.json
    static let podsConfigmapKey = #"""
        {
          "apiVersion": "v1",
          "kind": "PodList",
          "metadata": {
            "resourceVersion": "1"
          },
          "items": [
            {
              "metadata": {
                "name": "shop-7c9d8f6b5d-c4v5n",
                "namespace": "shop",
                "labels": {
                  "app": "shop",
                  "pod-template-hash": "7c9d8f6b5d"
                }
              },
              "spec": {
                "containers": [
                  {
                    "name": "shop",
                    "image": "ghcr.io/nortinia-ltd/shop:main-5394cb7",
                    "resources": {
                      "requests": {
                        "memory": "6Gi",
                        "cpu": "250m"
                      },
                      "limits": {
                        "memory": "6Gi"
                      }
                    }
                  }
                ]
              },
              "status": {
                "phase": "Pending",
                "containerStatuses": [
                  {
                    "name": "shop",
                    "ready": false,
                    "restartCount": 0,
                    "image": "ghcr.io/nortinia-ltd/shop:main-5394cb7",
                    "state": {
                      "waiting": {
                        "reason": "CreateContainerConfigError",
                        "message": "couldn't find key DATABSE_URL in ConfigMap shop/shop-config"
                      }
                    },
                    "lastState": {}
                  }
                ]
              }
            }
          ]
        }
        """#

    /// kubernetes/pods-imagepull.json
    static let podsImagepull = #"""
        {
          "apiVersion": "v1",
          "kind": "PodList",
          "metadata": {
            "resourceVersion": "1"
          },
          "items": [
            {
              "metadata": {
                "name": "shop-7c9d8f6b5d-i9u8y",
                "namespace": "shop",
                "labels": {
                  "app": "shop",
                  "pod-template-hash": "7c9d8f6b5d"
                }
              },
              "spec": {
                "containers": [
                  {
                    "name": "shop",
                    "image": "ghcr.io/nortinia-ltd/shop:main-5394cb7",
                    "resources": {
                      "requests": {
                        "memory": "6Gi",
                        "cpu": "250m"
                      },
                      "limits": {
                        "memory": "6Gi"
                      }
                    }
                  }
                ]
              },
              "status": {
                "phase": "Pending",
                "containerStatuses": [
                  {
                    "name": "shop",
                    "ready": false,
                    "restartCount": 0,
                    "image": "ghcr.io/nortinia-ltd/shop:main-doesnotexist",
                    "state": {
                      "waiting": {
                        "reason": "ImagePullBackOff",
                        "message": "Back-off pulling image \"ghcr.io/nortinia-ltd/shop:main-doesnotexist\""
                      }
                    },
                    "lastState": {}
                  }
                ]
              }
            }
          ]
        }
        """#

    /// kubernetes/pods-missing-secret.json
    static let podsMissingSecret = #"""
        {
          "apiVersion": "v1",
          "kind": "PodList",
          "metadata": {
            "resourceVersion": "1"
          },
          "items": [
            {
              "metadata": {
                "name": "shop-7c9d8f6b5d-m3n7b",
                "namespace": "shop",
                "labels": {
                  "app": "shop",
                  "pod-template-hash": "7c9d8f6b5d"
                }
              },
              "spec": {
                "containers": [
                  {
                    "name": "shop",
                    "image": "ghcr.io/nortinia-ltd/shop:main-5394cb7",
                    "resources": {
                      "requests": {
                        "memory": "6Gi",
                        "cpu": "250m"
                      },
                      "limits": {
                        "memory": "6Gi"
                      }
                    }
                  }
                ]
              },
              "status": {
                "phase": "Pending",
                "containerStatuses": [
                  {
                    "name": "shop",
                    "ready": false,
                    "restartCount": 0,
                    "image": "ghcr.io/nortinia-ltd/shop:main-5394cb7",
                    "state": {
                      "waiting": {
                        "reason": "CreateContainerConfigError",
                        "message": "secret \"shop-db-credentials\" not found"
                      }
                    },
                    "lastState": {}
                  }
                ]
              }
            }
          ]
        }
        """#

    /// kubernetes/pods-oomkilled.json
    static let podsOomkilled = #"""
        {
          "apiVersion": "v1",
          "kind": "PodList",
          "metadata": {
            "resourceVersion": "1"
          },
          "items": [
            {
              "metadata": {
                "name": "shop-7c9d8f6b5d-x2k9q",
                "namespace": "shop",
                "labels": {
                  "app": "shop",
                  "pod-template-hash": "7c9d8f6b5d"
                }
              },
              "spec": {
                "containers": [
                  {
                    "name": "shop",
                    "image": "ghcr.io/nortinia-ltd/shop:main-5394cb7",
                    "resources": {
                      "requests": {
                        "memory": "6Gi",
                        "cpu": "250m"
                      },
                      "limits": {
                        "memory": "6Gi"
                      }
                    }
                  }
                ]
              },
              "status": {
                "phase": "Running",
                "containerStatuses": [
                  {
                    "name": "shop",
                    "ready": false,
                    "restartCount": 4,
                    "image": "ghcr.io/nortinia-ltd/shop:main-5394cb7",
                    "state": {
                      "waiting": {
                        "reason": "CrashLoopBackOff",
                        "message": "back-off 1m20s restarting failed container=shop pod=shop-7c9d8f6b5d-x2k9q_shop(0f1e2d3c-aaaa-bbbb-cccc-123456789abc)"
                      }
                    },
                    "lastState": {
                      "terminated": {
                        "reason": "OOMKilled",
                        "exitCode": 137,
                        "startedAt": "2026-11-20T10:01:02Z",
                        "finishedAt": "2026-11-20T10:01:09Z"
                      }
                    }
                  }
                ]
              }
            }
          ]
        }
        """#

    /// kubernetes/pods-unschedulable.json
    static let podsUnschedulable = #"""
        {
          "apiVersion": "v1",
          "kind": "PodList",
          "metadata": {
            "resourceVersion": "1"
          },
          "items": [
            {
              "metadata": {
                "name": "shop-7c9d8f6b5d-p8w4z",
                "namespace": "shop",
                "labels": {
                  "app": "shop",
                  "pod-template-hash": "7c9d8f6b5d"
                }
              },
              "spec": {
                "containers": [
                  {
                    "name": "shop",
                    "image": "ghcr.io/nortinia-ltd/shop:main-5394cb7",
                    "resources": {
                      "requests": {
                        "memory": "6Gi",
                        "cpu": "250m"
                      },
                      "limits": {
                        "memory": "6Gi"
                      }
                    }
                  }
                ]
              },
              "status": {
                "phase": "Pending",
                "conditions": [
                  {
                    "type": "PodScheduled",
                    "status": "False",
                    "reason": "Unschedulable",
                    "message": "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."
                  }
                ]
              }
            }
          ]
        }
        """#

    /// kubernetes/sealedsecret-not-synced.json
    static let sealedsecretNotSynced = #"""
        {
          "apiVersion": "bitnami.com/v1alpha1",
          "kind": "SealedSecret",
          "metadata": {
            "name": "shop-db-credentials",
            "namespace": "shop",
            "generation": 1
          },
          "spec": {
            "encryptedData": {
              "password": "AgBy3i4OJSWK+PiTySYZZA=="
            }
          },
          "status": {
            "observedGeneration": 1,
            "conditions": [
              {
                "type": "Synced",
                "status": "False",
                "message": "no key could decrypt secret (password)",
                "lastUpdateTime": "2026-11-20T10:00:30Z",
                "lastTransitionTime": "2026-11-20T10:00:30Z"
              }
            ]
          }
        }
        """#

    /// flux/event-healthcheck-failed.json
    static let fluxEventHealthcheckFailed = #"""
        {"involvedObject":{"kind":"Kustomization","namespace":"flux-system","name":"shop-prod","uid":"7d0cdc51-ddcf-4743-b223-83ca5c699632","apiVersion":"kustomize.toolkit.fluxcd.io/v1","resourceVersion":"56921"},"severity":"error","timestamp":"2026-11-20T10:05:41Z","message":"health check failed after 5m0.012s: timeout waiting for: [Deployment/shop/shop status: 'InProgress']","reason":"HealthCheckFailed","metadata":{"revision":"main@sha1:5394cb7f48332b2de7c17dd8b8384bbc84b7e738"},"reportingController":"kustomize-controller","reportingInstance":"kustomize-controller-7f5c6d8b9-abcde"}
        """#
}
