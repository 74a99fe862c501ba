/* Where the monitoring kit's files are, and readers for what the kit tests check in them. */

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

export const REPO_ROOT = path.resolve(__dirname, '../..');
export const MONITORING_DIR = path.join(REPO_ROOT, 'examples/monitoring');
export const KIT = {
  architecture: path.join(REPO_ROOT, 'docs/ARCHITECTURE.md'),
  collectorConfig: path.join(REPO_ROOT, 'collector-config.yaml'),
  prometheusConfig: path.join(MONITORING_DIR, 'prometheus.yml'),
  alertRules: path.join(MONITORING_DIR, 'alert-rules.yml'),
  alertRuleTests: path.join(MONITORING_DIR, 'alert-rules.test.yml'),
  /** The drift rules' cases, apart because they need a week of samples (see the file). */
  driftRuleTests: path.join(MONITORING_DIR, 'drift-rules.test.yml'),
  compose: path.join(MONITORING_DIR, 'docker-compose.yml'),
  dashboard: path.join(MONITORING_DIR, 'grafana/dashboards/llm-relay.json'),
  grafanaDatasources: path.join(MONITORING_DIR, 'grafana/provisioning/datasources/prometheus.yml'),
  grafanaDashboardProvider: path.join(MONITORING_DIR, 'grafana/provisioning/dashboards/llm-relay.yml'),
} as const;

export function readYaml(file: string): unknown {
  return parseYaml(readFileSync(file, 'utf8'));
}

/** True when `command --version`-style probing finds the program on PATH. */
export function onPath(command: string, probeArgs: string[] = ['--version']): boolean {
  const result = spawnSync(command, probeArgs, { stdio: 'ignore', timeout: 10_000 });
  return result.error === undefined && result.status === 0;
}

// ---------------------------------------------------------------- alert rules

export interface RuleEntry {
  group: string;
  /** Alert name or recorded series name. */
  name: string;
  kind: 'alert' | 'record';
  expr: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

interface RuleFile {
  groups: Array<{ name: string; rules: Array<Record<string, unknown>> }>;
}

export function readRules(file: string = KIT.alertRules): RuleEntry[] {
  const parsed = readYaml(file) as RuleFile;
  return parsed.groups.flatMap(group =>
    group.rules.map((rule): RuleEntry => {
      const isAlert = typeof rule.alert === 'string';
      return {
        group: group.name,
        name: String(isAlert ? rule.alert : rule.record),
        kind: isAlert ? 'alert' : 'record',
        expr: String(rule.expr),
        labels: (rule.labels ?? {}) as Record<string, string>,
        annotations: (rule.annotations ?? {}) as Record<string, string>,
      };
    }),
  );
}

// ---------------------------------------------------------------- dashboard

export interface PanelQuery {
  panel: string;
  panelType: string;
  refId: string;
  expr: string;
}

interface DashboardPanel {
  id?: number;
  type?: string;
  title?: string;
  panels?: DashboardPanel[];
  targets?: Array<{ refId?: string; expr?: string }>;
}

export interface Dashboard {
  uid?: string;
  title?: string;
  panels: DashboardPanel[];
  templating?: { list: Array<{ name: string; type: string; query?: unknown; definition?: string }> };
}

export function readDashboard(file: string = KIT.dashboard): Dashboard {
  return JSON.parse(readFileSync(file, 'utf8')) as Dashboard;
}

/** Every panel, rows' nested panels included. */
export function allPanels(dashboard: Dashboard): DashboardPanel[] {
  return dashboard.panels.flatMap(p => [p, ...(p.panels ?? [])]);
}

/** The PromQL of every panel target: the list the live test queries. */
export function panelQueries(dashboard: Dashboard = readDashboard()): PanelQuery[] {
  return allPanels(dashboard).flatMap(panel =>
    (panel.targets ?? []).map(t => ({
      panel: panel.title ?? `panel ${panel.id}`,
      panelType: panel.type ?? '',
      refId: t.refId ?? '',
      expr: t.expr ?? '',
    })),
  );
}

/** Variable references Grafana expands in a query: `$name`, `${name}`, `${name:format}`, `[[name]]`. */
const VARIABLE_REF = /\$\{(\w+)(?::[^}]*)?\}|\$(\w+)|\[\[(\w+)\]\]/g;

export function variablesUsed(expr: string): string[] {
  return [...expr.matchAll(VARIABLE_REF)].map(m => (m[1] ?? m[2] ?? m[3])!);
}

/** Grafana's built-in variables that can appear in PromQL, with the values the tests use. */
export const BUILTIN_VARIABLES: Record<string, string> = {
  __rate_interval: '1m',
  __interval: '1m',
  __range: '1h',
};

/** Expands the variables as Grafana would (values are inserted raw); throws for an unknown one. */
export function substituteVariables(expr: string, values: Record<string, string>): string {
  const all = { ...BUILTIN_VARIABLES, ...values };
  return expr.replace(VARIABLE_REF, (whole, a?: string, b?: string, c?: string) => {
    const name = (a ?? b ?? c)!;
    const value = all[name];
    if (value === undefined) throw new Error(`no value for Grafana variable ${whole} in: ${expr}`);
    return value;
  });
}
