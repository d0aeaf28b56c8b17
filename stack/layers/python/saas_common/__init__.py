"""Shared utilities of the serverless SaaS functions (the Lambda layer), kept small and pure.

Settings table rows the code reads ({"settingName": <name>, "settingValue": <string>}); the
deployment pipeline (the harness's pipeline hook) writes them after the pooled tenant stack
is up, because CloudFormation in this stack cannot write table items:

    apiGatewayUrl-pooled     URL of the pooled tenant API (stage included, no trailing slash);
                             read by the create-tenant function for pooled tenants
    usagePlanId-basic        usage plan ids of the pooled stack's tier plans; read by the
    usagePlanId-standard     registration function to bind a pooled tenant's API key
    usagePlanId-premium

Rows a deployment may also write for reference (the code takes these from environment
variables set by template.yaml instead, so it never depends on them):

    userPoolId-pooled, appClientId-pooled

Environment variables (set only by the templates; on AWS their defaults apply):

    TENANT_DETAILS_TABLE, TENANT_USER_MAPPING_TABLE, TENANT_STACK_MAPPING_TABLE, SETTINGS_TABLE
    API_URL_FORMAT                  execute-api URL with {apiId} {region} {stage}
    JWKS_BASE_URL                   '' means https://cognito-idp.<region>.amazonaws.com
    EXPOSE_TENANT_ADMIN_PASSWORD    'true' returns generated passwords (harness only)
    PIPELINE_NAME                   the tenant deployment pipeline
    OPERATIONS_USER_POOL_ID, OPERATIONS_APP_CLIENT_ID, POOLED_USER_POOL_ID, POOLED_APP_CLIENT_ID
    SYSTEM_ADMIN_API_KEY_ID, ACCESS_ROLE_ARN, TENANT_ID, TABLE_NAME, STACK_PREFIX
"""
