// Fetches the pool's JWKS by the pool's AWS host name with the runtime's global fetch.
export const handler = async () => {
  const url = `https://cognito-idp.${process.env.AWS_REGION}.amazonaws.com/${process.env.POOL_ID}/.well-known/jwks.json`;
  const response = await fetch(url);
  const keys = await response.json();
  return { statusCode: response.status, body: JSON.stringify({ url, kids: keys.keys.map((k) => k.kid) }) };
};
