"""Checks the rendered Kubernetes install (run by scripts/check-kubernetes.sh, which renders the overlays).

usage: check-kubernetes.py RENDERED_DIR [--write-configs DIR]

RENDERED_DIR holds OVERLAY.yaml, the `kubectl kustomize` output of Config/kubernetes/overlays/OVERLAY, for each
overlay. Every object is validated against the Kubernetes JSON schemas (kubernetes-validate, strict: unknown fields
fail); Flux's own kinds, which those schemas do not have, are listed in NO_SCHEMA and skipped by name. Then the
install's promises are checked: Pod Security "restricted", no cluster-wide RBAC, a config that listens on all
addresses with the admin port behind the probes, Secret templates naming every variable, and each overlay's shape.
Prints one line per overlay and every problem found; exits 1 if there is any.
"""

import json
import os
import sys

import kubernetes_validate
import yaml

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
KUBERNETES = os.path.join(REPO, "Config", "kubernetes")
OVERLAYS = ["single", "ha"]
# The oldest Kubernetes minor still supported upstream when this was written, and the newest the package knows.
VERSIONS = os.environ.get("SLIPWAY_KUBERNETES_VERSIONS", "1.32.0 " + kubernetes_validate.latest_version()).split()
# Custom resources without a schema in kubernetes-validate: allowed by kind, never silently.
NO_SCHEMA = {
    ("notification.toolkit.fluxcd.io/v1beta3", "Provider"),
    ("notification.toolkit.fluxcd.io/v1beta3", "Alert"),
}
# Volume types Pod Security "restricted" allows.
RESTRICTED_VOLUMES = {
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret",
}
NAMESPACE = "slipway"
UID = 10001

problems = []


def problem(where, text):
    problems.append(f"{where}: {text}")


def load(path):
    with open(path) as f:
        return [doc for doc in yaml.safe_load_all(f) if doc]


def name_of(obj):
    meta = obj.get("metadata", {})
    return f"{obj.get('kind')}/{meta.get('namespace', '-')}/{meta.get('name')}"


def validate(where, objects):
    """Schema-validates every object; returns how many were validated against the schemas."""
    validated = 0
    for obj in objects:
        if (obj.get("apiVersion"), obj.get("kind")) in NO_SCHEMA:
            continue
        for version in VERSIONS:
            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.SchemaNotFoundError:
                problem(where, f"{name_of(obj)}: no schema for {obj.get('apiVersion')} {obj.get('kind')} in {version}")
                break
            except kubernetes_validate.ValidationError as error:
                path = ".".join(str(p) for p in error.path)
                problem(where, f"{name_of(obj)}: invalid for Kubernetes {version} at {path}: {error.message}")
                break
        else:
            validated += 1
    return validated


def only(where, objects, kind, name=None):
    found = [o for o in objects if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]
    if len(found) != 1:
        problem(where, f"expected one {kind}{' ' + name if name else ''}, found {len(found)}")
        return None
    return found[0]


def secret_variables(config):
    """The environment variables the config names for secrets (as SlipwayConfig.secretEnvironmentVariables)."""
    names = [config["slack"]["signingSecretEnv"], config["slack"]["botTokenEnv"], config["ci"]["webhookSecretEnv"]]
    if "flux" in config:
        names.append(config["flux"]["webhookSecretEnv"])
    if "postgres" in config["store"]:
        names.append(config["store"]["postgres"]["urlEnv"])
    if "pagerduty" in config:
        names.append(config["pagerduty"]["routingKeyEnv"])
    if "tokenEnv" in config.get("kubernetes", {}):
        names.append(config["kubernetes"]["tokenEnv"])
    return set(names)


def check_restricted(where, deployment):
    """Pod Security "restricted" (https://kubernetes.io/docs/concepts/security/pod-security-standards/)."""
    pod = deployment["spec"]["template"]["spec"]
    pod_security = pod.get("securityContext", {})
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(field):
            problem(where, f"pod sets {field}")
    for volume in pod.get("volumes", []):
        kinds = set(volume) - {"name"}
        if not kinds <= RESTRICTED_VOLUMES:
            problem(where, f"volume {volume['name']} is {sorted(kinds)}, not allowed under restricted")
    containers = pod.get("containers", []) + pod.get("initContainers", [])
    for container in containers:
        c = f"container {container['name']}"
        security = container.get("securityContext", {})

        def effective(field):
            return security.get(field, pod_security.get(field))

        if effective("runAsNonRoot") is not True:
            problem(where, f"{c}: runAsNonRoot is not true")
        if effective("runAsUser") != UID:
            problem(where, f"{c}: runAsUser is {effective('runAsUser')}, not {UID}")
        if (effective("seccompProfile") or {}).get("type") != "RuntimeDefault":
            problem(where, f"{c}: seccompProfile is not RuntimeDefault")
        if security.get("allowPrivilegeEscalation") is not False:
            problem(where, f"{c}: allowPrivilegeEscalation is not false")
        if security.get("privileged"):
            problem(where, f"{c}: privileged")
        capabilities = security.get("capabilities", {})
        if "ALL" not in capabilities.get("drop", []):
            problem(where, f"{c}: capabilities.drop does not contain ALL")
        if capabilities.get("add"):
            problem(where, f"{c}: adds capabilities {capabilities['add']}")
        if security.get("readOnlyRootFilesystem") is not True:
            problem(where, f"{c}: readOnlyRootFilesystem is not true")
        for port in container.get("ports", []):
            if "hostPort" in port:
                problem(where, f"{c}: hostPort {port['hostPort']}")
        writable = sorted(m["mountPath"] for m in container.get("volumeMounts", []) if not m.get("readOnly"))
        if writable != ["/tmp", "/var/lib/slipway"]:
            problem(where, f"{c}: writable mounts are {writable}, expected only /tmp and /var/lib/slipway")


def check_overlay(overlay, objects, write_configs):
    where = f"overlay {overlay}"
    kinds = {o["kind"] for o in objects}
    for kind in ("ClusterRole", "ClusterRoleBinding"):
        if kind in kinds:
            problem(where, f"has a {kind}: Slipway's access must be namespaced Roles")

    deployment = only(where, objects, "Deployment", "slipway")
    configmaps = [o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"].startswith("slipway-config")]
    if deployment is None or len(configmaps) != 1:
        problem(where, f"expected one slipway-config ConfigMap, found {len(configmaps)}")
        return
    configmap = configmaps[0]
    config = json.loads(configmap["data"]["slipway.json"])
    if write_configs:
        with open(os.path.join(write_configs, f"{overlay}.json"), "w") as f:
            f.write(configmap["data"]["slipway.json"])
    check_restricted(where, deployment)

    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    if volumes.get("config", {}).get("configMap", {}).get("name") != configmap["metadata"]["name"]:
        problem(where, "the config volume does not mount the generated ConfigMap")
    if container.get("args", [])[-1:] != ["/etc/slipway/slipway.json"]:
        problem(where, "the container does not read /etc/slipway/slipway.json")

    # The config works in a pod: all addresses, the ports the manifests use.
    server = config["server"]
    ports = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
    if server.get("host") != "0.0.0.0":
        problem(where, f"server.host is {server.get('host')!r}: kubelet and the Service cannot reach 127.0.0.1")
    if server.get("port", 8080) != ports.get("http"):
        problem(where, f"server.port {server.get('port', 8080)} is not the http containerPort {ports.get('http')}")
    if server.get("adminPort") != ports.get("admin"):
        problem(where, f"server.adminPort {server.get('adminPort')} is not the admin containerPort {ports.get('admin')}")
    for probe_name in ("readinessProbe", "livenessProbe", "startupProbe"):
        probe = container.get(probe_name, {}).get("httpGet", {})
        if probe.get("port") != "admin":
            problem(where, f"{probe_name} does not use the admin port")
    if container.get("readinessProbe", {}).get("httpGet", {}).get("path") != "/ready":
        problem(where, "readinessProbe is not /ready")
    annotations = deployment["spec"]["template"]["metadata"].get("annotations", {})
    if annotations.get("prometheus.io/port") != str(server.get("adminPort")):
        problem(where, "prometheus.io/port is not the admin port")
    service = only(where, objects, "Service", "slipway")
    if service and [p["targetPort"] for p in service["spec"]["ports"]] != ["http"]:
        problem(where, "the Service must expose only the http port")
    data_mount = "/var/lib/slipway/"
    if not config["gitops"]["checkout"].startswith(data_mount):
        problem(where, f"gitops.checkout {config['gitops']['checkout']} is not on the data volume")
    if config.get("kubernetes", {}).get("apiServer", "in-cluster") != "in-cluster":
        problem(where, "kubernetes.apiServer must be in-cluster")

    # Secret template: every variable the config names, no value committed.
    templates = load(os.path.join(KUBERNETES, "overlays", overlay, "secrets.example.yaml"))
    secret = next((t for t in templates if t["metadata"]["name"] == "slipway-secrets"), None)
    git = next((t for t in templates if t["metadata"]["name"] == "slipway-git"), None)
    wanted = secret_variables(config)
    if secret is None or set(secret.get("stringData", {})) != wanted:
        have = sorted(secret.get("stringData", {})) if secret else []
        problem(where, f"secrets.example.yaml names {have}, the config needs {sorted(wanted)}")
    if git is None or set(git.get("stringData", {})) != {"identity", "known_hosts"}:
        problem(where, "secrets.example.yaml must hold slipway-git with identity and known_hosts")
    for template in templates:
        for key, value in template.get("stringData", {}).items():
            if value:
                problem(where, f"secrets.example.yaml commits a value for {key}")
        if template["metadata"].get("namespace") != NAMESPACE:
            problem(where, f"secrets.example.yaml: {template['metadata']['name']} is not in {NAMESPACE}")
    refs = {e["secretRef"]["name"] for e in container.get("envFrom", []) if "secretRef" in e}
    if refs != {"slipway-secrets"} or volumes.get("git", {}).get("secret", {}).get("secretName") != "slipway-git":
        problem(where, "the Deployment does not read slipway-secrets and slipway-git")

    # RBAC: namespaced, bound to Slipway's service account, covering the config's namespaces and Flux objects.
    roles = {o["metadata"]["namespace"]: o for o in objects if o["kind"] == "Role"}
    bindings = {o["metadata"]["namespace"]: o for o in objects if o["kind"] == "RoleBinding"}
    environments = [e for s in config["services"].values() for e in s["environments"].values()]
    workload_namespaces = {e["workload"]["namespace"] for e in environments}
    flux_namespaces = {e["flux"].get("namespace", "flux-system") for e in environments}
    if set(roles) != workload_namespaces | flux_namespaces or set(bindings) != set(roles):
        problem(where, f"Roles in {sorted(roles)}, bindings in {sorted(bindings)}; the config needs "
                f"{sorted(workload_namespaces | flux_namespaces)}")
    for namespace, binding in bindings.items():
        subjects = [(s["kind"], s.get("namespace"), s["name"]) for s in binding.get("subjects", [])]
        if binding["roleRef"]["kind"] != "Role" or subjects != [("ServiceAccount", NAMESPACE, "slipway")]:
            problem(where, f"RoleBinding in {namespace} does not bind Role slipway to slipway/slipway only")
    for namespace in flux_namespaces & set(roles):
        names = {}
        for rule in roles[namespace]["rules"]:
            for resource in rule["resources"]:
                if "resourceNames" not in rule and resource in ("kustomizations", "gitrepositories"):
                    problem(where, f"Flux {resource} in {namespace} are not limited by resourceNames")
                names[resource] = set(rule.get("resourceNames", []))
        wanted_k = {e["flux"]["kustomization"] for e in environments if e["flux"].get("namespace", "flux-system") == namespace}
        wanted_g = {e["flux"]["gitRepository"] for e in environments if e["flux"].get("namespace", "flux-system") == namespace}
        if names.get("kustomizations") != wanted_k or names.get("gitrepositories") != wanted_g:
            problem(where, f"Flux resourceNames in {namespace} are {names}, the config has {wanted_k} and {wanted_g}")
    for role in roles.values():
        for rule in role["rules"]:
            if "*" in rule.get("verbs", []) or "*" in rule.get("resources", []) or "secrets" in rule.get("resources", []):
                problem(where, f"Role in {role['metadata']['namespace']} grants {rule}")
            if "replicasets" in rule.get("resources", []):
                problem(where, "Slipway never reads ReplicaSets")

    # NetworkPolicy: in only to http (admin from monitoring); out to DNS, HTTPS, the API server and git.
    policies = [o for o in objects if o["kind"] == "NetworkPolicy"]
    ingress_ports, egress_ports = [], set()
    for policy in policies:
        for rule in policy["spec"].get("ingress", []):
            for port in rule.get("ports", []):
                ingress_ports.append((port["port"], bool(rule.get("from"))))
        for rule in policy["spec"].get("egress", []):
            if not rule.get("ports"):
                problem(where, f"NetworkPolicy {policy['metadata']['name']} allows egress to every port")
            for port in rule.get("ports", []):
                egress_ports.add((port["port"], port.get("protocol", "TCP")))
    if sorted(ingress_ports) != [("admin", True), ("http", False)]:
        problem(where, f"ingress allows {ingress_ports}, expected http from anywhere and admin from monitoring")
    needed = {(53, "UDP"), (53, "TCP"), (443, "TCP"), (6443, "TCP"), (22, "TCP")}
    if "postgres" in config["store"]:
        needed.add((5432, "TCP"))
    if egress_ports != needed:
        problem(where, f"egress allows {sorted(egress_ports)}, expected {sorted(needed)}")

    # The overlay's own shape.
    spec = deployment["spec"]
    if overlay == "single":
        if spec.get("replicas") != 1 or spec.get("strategy", {}).get("type") != "Recreate":
            problem(where, "single must run 1 replica with the Recreate strategy")
        if "sqlite" not in config["store"] or not config["store"]["sqlite"]["path"].startswith(data_mount):
            problem(where, "single must keep SQLite on the data volume")
        claim = volumes.get("data", {}).get("persistentVolumeClaim", {}).get("claimName")
        if not claim or only(where, objects, "PersistentVolumeClaim", claim) is None:
            problem(where, "single's data volume must be a PersistentVolumeClaim")
    else:
        if spec.get("replicas", 1) < 2 or spec.get("strategy", {}).get("type") != "RollingUpdate":
            problem(where, "ha must run 2 replicas with the RollingUpdate strategy")
        if config["store"].get("postgres", {}).get("urlEnv") != "DATABASE_URL":
            problem(where, "ha must use PostgreSQL with DATABASE_URL")
        if "emptyDir" not in volumes.get("data", {}):
            problem(where, "ha's GitOps checkout must be on a per-pod emptyDir")
        if not pod.get("affinity", {}).get("podAntiAffinity"):
            problem(where, "ha needs pod anti-affinity")
        if "PersistentVolumeClaim" in kinds:
            problem(where, "ha must not share a ReadWriteOnce volume")
        pdb = only(where, objects, "PodDisruptionBudget")
        if pdb and pdb["spec"]["selector"]["matchLabels"] != spec["selector"]["matchLabels"]:
            problem(where, "the PodDisruptionBudget does not select Slipway's pods")


def main():
    args = sys.argv[1:]
    write_configs = None
    if "--write-configs" in args:
        i = args.index("--write-configs")
        write_configs = args[i + 1]
        del args[i:i + 2]
    rendered = args[0]
    for overlay in OVERLAYS:
        objects = load(os.path.join(rendered, f"{overlay}.yaml"))
        before = len(problems)
        validated = validate(f"overlay {overlay}", objects)
        check_overlay(overlay, objects, write_configs)
        templates = load(os.path.join(KUBERNETES, "overlays", overlay, "secrets.example.yaml"))
        validated_templates = validate(f"overlay {overlay} secrets.example.yaml", templates)
        verdict = "ok" if len(problems) == before else f"{len(problems) - before} problem(s)"
        print(f"{overlay}: {validated} of {len(objects)} rendered objects and {validated_templates} Secret templates "
              f"valid for Kubernetes {', '.join(VERSIONS)}; install checks {verdict}")
    flux = load(os.path.join(KUBERNETES, "flux-notification.yaml"))
    validated = validate("flux-notification.yaml", flux)
    print(f"flux-notification.yaml: {validated} of {len(flux)} objects schema-checked "
          f"({len(flux) - validated} Flux custom resources without a schema, allowed by kind)")
    for line in problems:
        print(f"problem: {line}", file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
