// The two kinds of gate the herd benchmark starts in-process:
//  - runGate: the real register pipeline (runRegistration), exactly what the CLI runs, with its
//    own environment, output directory, abort signal, SDK client and random nonce.
//  - runNaive: the baseline, a naive integration: the same config, region, credentials and
//    token check, but one RegisterUsage call through an SDK client with its default retry
//    strategy (standard mode, 3 attempts) and no retry loop of its own.
import { MarketplaceMeteringClient, RegisterUsageCommand } from '@aws-sdk/client-marketplace-metering';
import { runRegistration } from '../src/gate/register.js';
import { parseRegisterConfig } from '../src/config/register-config.js';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { resolveRegion } from '../src/platform/region.js';
import { verifyToken } from '../src/verify/token.js';

export interface HerdGateOptions {
  readonly endpointUrl: string;
  readonly keyPath: string;
  readonly outputDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly signal: AbortSignal;
  readonly deadline?: string;
}

export interface HerdOutcome {
  readonly entitled: boolean;
  readonly exitCode: number;
  readonly errorCode: string | null;
  readonly message: string | null;
  readonly nonce: string | null;
  readonly finishedAt: number;
}

function flagsFor(options: HerdGateOptions): Record<string, string> {
  return {
    productCode: 'prod-herd-1',
    publicKeyFile: options.keyPath,
    endpointUrl: options.endpointUrl,
    outputDir: options.outputDir,
    terminationLog: `${options.outputDir}/termination-log`,
    deadline: options.deadline ?? '5m',
    // A thousand gates in one process would spend the event loop on synchronous log writes.
    logLevel: 'silent',
  };
}

export async function runGate(options: HerdGateOptions): Promise<HerdOutcome> {
  const { result } = await runRegistration(flagsFor(options), { env: options.env, stderrIsTty: false, signal: options.signal });
  return { entitled: result.entitled, exitCode: result.exitCode, errorCode: result.errorCode, message: result.message, nonce: result.nonce, finishedAt: Date.now() };
}

export async function runNaive(options: HerdGateOptions): Promise<HerdOutcome> {
  const config = parseRegisterConfig(flagsFor(options), options.env);
  const region = await resolveRegion({ override: null, environment: config.environment, signal: options.signal });
  const client = new MarketplaceMeteringClient({ region: region.region, endpoint: options.endpointUrl, credentials: fromNodeProviderChain() });
  try {
    const output = await client.send(new RegisterUsageCommand({ ProductCode: config.productCode, PublicKeyVersion: config.publicKeyVersion, Nonce: config.nonce }), {
      abortSignal: options.signal,
    });
    await verifyToken(output.Signature, config.publicKey?.key ?? null, {
      productCode: config.productCode,
      publicKeyVersion: config.publicKeyVersion,
      nonce: config.nonce,
      maxAgeMs: config.maxTokenAgeMs,
      clockSkewMs: config.clockSkewMs,
    });
    return { entitled: true, exitCode: 0, errorCode: null, message: null, nonce: config.nonce, finishedAt: Date.now() };
  } catch (error) {
    return { entitled: false, exitCode: 1, errorCode: (error as Error).name ?? 'Error', message: (error as Error).message ?? null, nonce: config.nonce, finishedAt: Date.now() };
  } finally {
    client.destroy();
  }
}
