// Fetches the pool's JWKS by the pool's AWS host name with the runtime's global fetch, and calls STS
// by its regional endpoint with SDK v3 (node:https), both over TLS to the harness.
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";

export const handler = async () => {
  const region = process.env.AWS_REGION;
  const url = `https://cognito-idp.${region}.amazonaws.com/${process.env.POOL_ID}/.well-known/jwks.json`;
  const response = await fetch(url);
  const keys = await response.json();
  const sts = new STSClient({ endpoint: `https://sts.${region}.amazonaws.com` });
  const me = await sts.send(new GetCallerIdentityCommand({}));
  return { statusCode: response.status, body: JSON.stringify({ url, kids: keys.keys.map((k) => k.kid), caller: me.Arn }) };
};
