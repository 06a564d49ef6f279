"""Every GraphQL document the Railway client can send, registered by operation name.

The client refuses any document that is not registered here, so the schema test
(tests/test_railway_documents.py) validates *all* traffic the provider and the autoscaler can
produce against Railway's published schema. Reads select several root fields at once where one
resource needs them, so a refresh costs one request per resource.
"""

from __future__ import annotations

import re

DOCUMENTS: dict[str, str] = {}
"""Operation name → document text."""

_OPERATION = re.compile(r"^\s*(query|mutation)\s+([A-Za-z][A-Za-z0-9]*)")


def _register(text: str) -> str:
    match = _OPERATION.match(text)
    if match is None:
        raise ValueError("every document must start with a named query or mutation")
    name = match.group(2)
    if name in DOCUMENTS:
        raise ValueError(f"operation {name!r} is registered twice")
    DOCUMENTS[name] = text
    return text


def operation_name(document: str) -> str:
    match = _OPERATION.match(document)
    if match is None or DOCUMENTS.get(match.group(2)) != document:
        raise ValueError("the Railway client only sends documents registered in providers/railway/documents.py")
    return match.group(2)


def is_mutation(document: str) -> bool:
    return document.lstrip().startswith("mutation")


_PROJECT = """
fragment ProjectFields on Project {
  id name description isPublic prDeploys workspaceId deletedAt baseEnvironmentId
  environments(first: 100) { edges { node { id name } } }
  workspace { id plan }
}"""

_SERVICE = "fragment ServiceFields on Service { id name projectId deletedAt }"

_INSTANCE = """
fragment InstanceFields on ServiceInstance {
  id serviceId environmentId serviceName numReplicas region startCommand rootDirectory
  healthcheckPath healthcheckTimeout restartPolicyType restartPolicyMaxRetries drainingSeconds
  deletedAt source { image repo }
}"""

_VOLUMES = "volumeInstances(first: 100) { edges { node { id volumeId serviceId mountPath region state } } }"

# ---------------------------------------------------------------- token checks
TOKEN_WORKSPACES = _register("query TokenWorkspaces { apiToken { workspaces { id name } } }")

# ---------------------------------------------------------------- workspace and project
WORKSPACE_PROJECTS = _register("""
query WorkspaceProjects($workspaceId: String!, $after: String) {
  workspace(workspaceId: $workspaceId) {
    id plan
    projects(first: 100, after: $after) { edges { node { ...ProjectFields } } pageInfo { hasNextPage endCursor } }
  }
}""" + _PROJECT)
PROJECT_READ = _register("query ProjectRead($id: String!) { project(id: $id) { ...ProjectFields } }" + _PROJECT)
PROJECT_CREATE = _register(
    "mutation ProjectCreate($input: ProjectCreateInput!) { projectCreate(input: $input) { ...ProjectFields } }"
    + _PROJECT)
PROJECT_UPDATE = _register(
    "mutation ProjectUpdate($id: String!, $input: ProjectUpdateInput!) "
    "{ projectUpdate(id: $id, input: $input) { ...ProjectFields } }" + _PROJECT)
PROJECT_DELETE = _register("mutation ProjectDelete($id: String!) { projectDelete(id: $id) }")

# ---------------------------------------------------------------- environment
ENVIRONMENT_FIND = _register("""
query EnvironmentFind($projectId: String!) {
  project(id: $projectId) {
    id baseEnvironmentId
    environments(first: 100) { edges { node { id name projectId deletedAt } } }
  }
}""")
ENVIRONMENT_READ = _register(
    "query EnvironmentRead($id: String!) { environment(id: $id) { id name projectId deletedAt } }")
ENVIRONMENT_READ_WITH_BASE = _register("""
query EnvironmentReadWithBase($id: String!, $projectId: String!) {
  environment(id: $id) { id name projectId deletedAt }
  project(id: $projectId) { id baseEnvironmentId }
}""")
ENVIRONMENT_CREATE = _register(
    "mutation EnvironmentCreate($input: EnvironmentCreateInput!) "
    "{ environmentCreate(input: $input) { id name projectId deletedAt } }")
ENVIRONMENT_RENAME = _register(
    "mutation EnvironmentRename($id: String!, $input: EnvironmentRenameInput!) "
    "{ environmentRename(id: $id, input: $input) { id name projectId deletedAt } }")
ENVIRONMENT_DELETE = _register("mutation EnvironmentDelete($id: String!) { environmentDelete(id: $id) }")
ENVIRONMENT_CONFIG = _register(
    "query EnvironmentConfig($id: String!) { environment(id: $id) { id config(decryptVariables: false) } }")
ENVIRONMENT_PATCH = _register("""
mutation EnvironmentPatchCommit($environmentId: String!, $patch: EnvironmentConfig, $commitMessage: String) {
  environmentPatchCommit(environmentId: $environmentId, patch: $patch, commitMessage: $commitMessage)
}""")

# ---------------------------------------------------------------- service
SERVICE_FIND = _register("""
query ServiceFind($projectId: String!) {
  project(id: $projectId) { id services(first: 100) { edges { node { ...ServiceFields } } } }
}
""" + _SERVICE)
SERVICE_READ = _register("""
query ServiceRead($id: String!, $environmentId: String!) {
  service(id: $id) { ...ServiceFields }
  serviceInstance(serviceId: $id, environmentId: $environmentId) { id source { image repo } }
}
""" + _SERVICE)
SERVICE_LOOKUP = _register("""
query ServiceLookup($id: String!) {
  service(id: $id) { ...ServiceFields serviceInstances(first: 100) { edges { node { environmentId } } } }
}
""" + _SERVICE)
SERVICE_CREATE = _register("""
mutation ServiceCreate($input: ServiceCreateInput!) {
  serviceCreate(input: $input) {
    ...ServiceFields serviceInstances(first: 10) { edges { node { environmentId region numReplicas } } }
  }
}
""" + _SERVICE)
SERVICE_UPDATE = _register(
    "mutation ServiceUpdate($id: String!, $input: ServiceUpdateInput!) "
    "{ serviceUpdate(id: $id, input: $input) { ...ServiceFields } }\n" + _SERVICE)
SERVICE_CONNECT = _register(
    "mutation ServiceConnect($id: String!, $input: ServiceConnectInput!) "
    "{ serviceConnect(id: $id, input: $input) { id } }")
SERVICE_DELETE = _register(
    "mutation ServiceDelete($id: String!, $environmentId: String!) "
    "{ serviceDelete(id: $id, environmentId: $environmentId) }")

# ---------------------------------------------------------------- service instance
INSTANCE_READ = _register("""
query ServiceInstanceRead($serviceId: String!, $environmentId: String!) {
  serviceInstance(serviceId: $serviceId, environmentId: $environmentId) { ...InstanceFields }
  environment(id: $environmentId) { id config(decryptVariables: false) }
}""" + _INSTANCE)
INSTANCE_UPDATE = _register("""
mutation ServiceInstanceUpdate($serviceId: String!, $environmentId: String!, $input: ServiceInstanceUpdateInput!) {
  serviceInstanceUpdate(serviceId: $serviceId, environmentId: $environmentId, input: $input)
}""")
INSTANCE_DEPLOY = _register("""
mutation ServiceInstanceDeploy($serviceId: String!, $environmentId: String!) {
  serviceInstanceDeployV2(serviceId: $serviceId, environmentId: $environmentId)
}""")
INSTANCE_REDEPLOY = _register("""
mutation ServiceInstanceRedeploy($serviceId: String!, $environmentId: String!) {
  serviceInstanceRedeploy(serviceId: $serviceId, environmentId: $environmentId)
}""")

# ---------------------------------------------------------------- variables
VARIABLES_READ = _register("""
query VariablesRead($projectId: String!, $environmentId: String!, $serviceId: String!) {
  variables(projectId: $projectId, environmentId: $environmentId, serviceId: $serviceId, unrendered: true)
  environment(id: $environmentId) { id config(decryptVariables: false) }
}""")
VARIABLE_DELETE = _register("mutation VariableDelete($input: VariableDeleteInput!) { variableDelete(input: $input) }")

# ---------------------------------------------------------------- redis (service + volume)
REDIS_READ = _register("""
query RedisRead($serviceId: String!, $environmentId: String!, $volumeInstanceId: String!) {
  service(id: $serviceId) { ...ServiceFields }
  serviceInstance(serviceId: $serviceId, environmentId: $environmentId) { ...InstanceFields }
  environment(id: $environmentId) { id """ + _VOLUMES + """ }
  volumeInstanceBackupScheduleList(volumeInstanceId: $volumeInstanceId) { kind }
}""" + _SERVICE + _INSTANCE)
REDIS_READ_WITHOUT_VOLUME = _register("""
query RedisReadWithoutVolume($serviceId: String!, $environmentId: String!) {
  service(id: $serviceId) { ...ServiceFields }
  serviceInstance(serviceId: $serviceId, environmentId: $environmentId) { ...InstanceFields }
  environment(id: $environmentId) { id """ + _VOLUMES + """ }
}""" + _SERVICE + _INSTANCE)
VOLUME_FIND = _register(
    "query VolumeFind($environmentId: String!) { environment(id: $environmentId) { id " + _VOLUMES + " } }")
VOLUME_CREATE = _register("""
mutation VolumeCreate($input: VolumeCreateInput!) {
  volumeCreate(input: $input) {
    id name volumeInstances(first: 10) { edges { node { id environmentId serviceId mountPath region } } }
  }
}""")
VOLUME_INSTANCE_UPDATE = _register("""
mutation VolumeInstanceUpdate($volumeId: String!, $environmentId: String!, $input: VolumeInstanceUpdateInput!) {
  volumeInstanceUpdate(volumeId: $volumeId, environmentId: $environmentId, input: $input)
}""")
VOLUME_BACKUPS = _register("""
mutation VolumeBackupSchedule($volumeInstanceId: String!, $kinds: [VolumeInstanceBackupScheduleKind!]!) {
  volumeInstanceBackupScheduleUpdate(volumeInstanceId: $volumeInstanceId, kinds: $kinds)
}""")
VOLUME_DELETE = _register("mutation VolumeDelete($volumeId: String!) { volumeDelete(volumeId: $volumeId) }")

# ---------------------------------------------------------------- project tokens (the autoscaler's credential)
PROJECT_TOKENS = _register("""
query ProjectTokens($projectId: String!) {
  projectTokens(projectId: $projectId, first: 100) { edges { node { id name projectId environmentId } } }
}""")
PROJECT_TOKEN_CREATE = _register(
    "mutation ProjectTokenCreate($input: ProjectTokenCreateInput!) { projectTokenCreate(input: $input) }")
PROJECT_TOKEN_DELETE = _register("mutation ProjectTokenDelete($id: String!) { projectTokenDelete(id: $id) }")

# ---------------------------------------------------------------- deployment triggers ("Wait for CI")
_TRIGGER = "fragment TriggerFields on DeploymentTrigger { id branch checkSuites repository provider serviceId }"
DEPLOYMENT_TRIGGERS = _register("""
query DeploymentTriggers($projectId: String!, $environmentId: String!, $serviceId: String!) {
  deploymentTriggers(projectId: $projectId, environmentId: $environmentId, serviceId: $serviceId, first: 100) {
    edges { node { ...TriggerFields } }
  }
}""" + _TRIGGER)
DEPLOYMENT_TRIGGER_CREATE = _register(
    "mutation DeploymentTriggerCreate($input: DeploymentTriggerCreateInput!) "
    "{ deploymentTriggerCreate(input: $input) { ...TriggerFields } }" + _TRIGGER)
DEPLOYMENT_TRIGGER_UPDATE = _register(
    "mutation DeploymentTriggerUpdate($id: String!, $input: DeploymentTriggerUpdateInput!) "
    "{ deploymentTriggerUpdate(id: $id, input: $input) { ...TriggerFields } }" + _TRIGGER)
