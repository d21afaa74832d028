// kms:ViaService names: SERVICE.REGION.amazonaws.com, with the .amazonaws.com suffix in every
// partition, for the services the KMS Developer Guide lists as setting the key ("Services that
// support the kms:ViaService condition key",
// https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service).
// AWS adds services to that table: a well-formed name of another service is used as given, with a
// note, never refused.

/** SERVICE.REGION.amazonaws.com (the region as AWS names them: us-east-1, us-gov-west-1, eusc-de-east-1). */
const VIA_SERVICE_NAME = /^([a-z0-9-]+)\.([a-z]{2,}(?:-[a-z]+)+-\d+)\.amazonaws\.com$/;

/** The first label of each ViaService name in KMS's table (EBS is ec2; Aurora, Neptune and RDS are rds; ElastiCache gives elasticache and dax). */
const DOCUMENTED: ReadonlySet<string> = new Set([
  'airflow',
  'appflow',
  'apprunner',
  'athena',
  'auditmanager',
  'backup',
  'backup-gateway',
  'cassandra',
  'codeartifact',
  'codeguru-reviewer',
  'comprehend',
  'connect',
  'dax',
  'directoryservice',
  'dms',
  'dynamodb',
  'ec2',
  'ecr',
  'eks',
  'elasticache',
  'elasticfilesystem',
  'es',
  'finspace',
  'firehose',
  'forecast',
  'fsx',
  'geo',
  'glue',
  'healthlake',
  'importexport',
  'iotsitewise',
  'kafka',
  'kendra',
  'kinesis',
  'kinesisvideo',
  'lambda',
  'lex',
  'license-manager',
  'lookoutequipment',
  'lookoutmetrics',
  'lookoutvision',
  'managedblockchain',
  'mediatailor',
  'memorydb',
  'mgn',
  'monitron',
  'mq',
  'nimble',
  'profile',
  'proton',
  'qldb',
  'rds',
  'redshift',
  'rekognition',
  's3',
  'secretsmanager',
  'ses',
  'sns',
  'sqlworkbench',
  'sqs',
  'ssm',
  'ssm-contacts',
  'ssm-incidents',
  'storagegateway',
  'timestream',
  'wisdom',
  'workmail',
  'workspaces',
  'xray',
]);

/** Services whose ViaService name is not their own (the table's rows for them). */
const NAMED_OTHERWISE: Readonly<Record<string, string>> = { ebs: 'ec2', aurora: 'rds', neptune: 'rds', opensearch: 'es' };

/** The service label of a well-formed kms:ViaService name, or undefined when the name is not one. */
export function viaServiceLabel(value: string): string | undefined {
  return VIA_SERVICE_NAME.exec(value)?.[1];
}

/**
 * Whether KMS documents the service of this (well-formed) name as setting kms:ViaService, and,
 * when it does not but the table names that service otherwise (EBS: ec2), that name's label.
 */
export function documentedViaService(value: string): { documented: true } | { documented: false; label: string; instead?: string } {
  const label = viaServiceLabel(value) ?? value;
  if (DOCUMENTED.has(label)) return { documented: true };
  const instead = NAMED_OTHERWISE[label];
  return instead === undefined ? { documented: false, label } : { documented: false, label, instead };
}
