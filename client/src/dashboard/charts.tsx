import {
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  DoughnutController,
  Legend,
  LinearScale,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import { useEffect, useRef, useState } from 'react';
import { DashboardChartsDocument, type DashboardChartsQuery } from '../generated/graphql';
import { FONT_STACK } from './fonts';
import { formatDay, t, type MessageKey } from './i18n';
import { describe, useSession } from './session';

Chart.register(ArcElement, BarController, BarElement, CategoryScale, DoughnutController, Legend, LinearScale, Tooltip);
Chart.defaults.font.family = FONT_STACK;
Chart.defaults.color = '#5f6b7a';

const FUNNEL_DAYS = 30;
const JOIN_WEEKS = 12;
const DAY_MS = 86_400_000;
const FUNNEL_SERIES: Array<{ key: 'sent' | 'accepted' | 'declined' | 'expired' | 'failed'; label: MessageKey; color: string }> = [
  { key: 'sent', label: 'funnel.sent', color: '#1f6feb' },
  { key: 'accepted', label: 'funnel.accepted', color: '#2e7d32' },
  { key: 'declined', label: 'funnel.declined', color: '#f9a825' },
  { key: 'expired', label: 'funnel.expired', color: '#8e99a8' },
  { key: 'failed', label: 'funnel.failed', color: '#c62828' },
];

/** One chart.js chart on a canvas, updated in place when its configuration changes. */
function ChartCanvas(props: { id: string; label: string; config: ChartConfiguration<'bar'> | ChartConfiguration<'doughnut'> }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart | null>(null);
  useEffect(() => {
    if (!canvas.current) return;
    if (!chart.current) {
      chart.current = new Chart(canvas.current, props.config as ChartConfiguration);
    } else {
      chart.current.data = props.config.data as ChartConfiguration['data'];
      chart.current.update();
    }
  }, [props.config]);
  useEffect(
    () => () => {
      chart.current?.destroy();
      chart.current = null;
    },
    [],
  );
  return (
    <div className="chart-box">
      <canvas id={props.id} ref={canvas} role="img" aria-label={props.label} />
    </div>
  );
}

/** Seats against the quota, the invitation funnel of the last 30 days and joins per week; read again on every live tick. */
export function Charts() {
  const { client, tick, notify } = useSession();
  const [data, setData] = useState<DashboardChartsQuery | null>(null);

  useEffect(() => {
    let live = true;
    const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
    const variables = {
      from: new Date(today - (FUNNEL_DAYS - 1) * DAY_MS).toISOString(),
      to: new Date(today + DAY_MS).toISOString(),
      bucket: 'DAY' as const,
      weeks: JOIN_WEEKS,
    };
    client.request(DashboardChartsDocument, variables).then(
      (loaded) => live && setData(loaded),
      (error: unknown) => live && notify(t('charts.loadFailed', { reason: describe(error) }), 'error'),
    );
    return () => {
      live = false;
    };
  }, [client, tick, notify]);

  if (!data) return <section className="charts card" aria-busy="true" id="charts"><p className="empty">{t('app.loading')}</p></section>;
  const quota = data.viewer.org?.memberQuota ?? { used: 0, limit: 0 };
  const free = Math.max(0, quota.limit - quota.used);
  const seats: ChartConfiguration<'doughnut'> = {
    type: 'doughnut',
    data: {
      labels: [t('charts.seats.used'), t('charts.seats.free')],
      datasets: [{ data: [quota.used, free], backgroundColor: ['#1f6feb', '#e3e8ef'], borderWidth: 0 }],
    },
    options: { responsive: true, maintainAspectRatio: false, cutout: '70%', plugins: { legend: { position: 'bottom' } } },
  };
  const funnel: ChartConfiguration<'bar'> = {
    type: 'bar',
    data: {
      labels: data.invitationFunnel.buckets.map((b) => formatDay(b.start)),
      datasets: FUNNEL_SERIES.map((series) => ({
        label: t(series.label),
        data: data.invitationFunnel.buckets.map((b) => b[series.key]),
        backgroundColor: series.color,
        stack: series.key === 'sent' ? 'sent' : 'outcome',
      })),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      scales: { x: { stacked: true, ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 8 } }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
    },
  };
  const joins: ChartConfiguration<'bar'> = {
    type: 'bar',
    data: {
      labels: data.joinsPerWeek.map((w) => formatDay(w.weekStart)),
      datasets: [{ label: t('charts.joins.label'), data: data.joinsPerWeek.map((w) => w.joins), backgroundColor: '#2e7d32' }],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      scales: { x: { ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 6 } }, y: { beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { display: false } },
    },
  };
  const joinsTotal = data.joinsPerWeek.reduce((sum, w) => sum + w.joins, 0);
  return (
    <section className="charts" id="charts" aria-label={t('charts.title')}>
      <figure className="card chart">
        <figcaption>
          <h2>{t('charts.seats.title')}</h2>
          <p id="seats-summary" className="meta">
            {t('quota.used', { used: quota.used, limit: quota.limit })}
          </p>
        </figcaption>
        <ChartCanvas id="chart-seats" label={t('charts.seats.title')} config={seats} />
      </figure>
      <figure className="card chart wide">
        <figcaption>
          <h2>{t('charts.funnel.title', { days: FUNNEL_DAYS })}</h2>
          <ul id="funnel-totals" className="totals">
            {FUNNEL_SERIES.map((series) => (
              <li key={series.key} data-kind={series.key}>
                {t(series.label)} <strong>{data.invitationFunnel.total[series.key].toLocaleString()}</strong>
              </li>
            ))}
          </ul>
        </figcaption>
        <ChartCanvas id="chart-funnel" label={t('charts.funnel.title', { days: FUNNEL_DAYS })} config={funnel} />
      </figure>
      <figure className="card chart">
        <figcaption>
          <h2>{t('charts.joins.title', { weeks: JOIN_WEEKS })}</h2>
          <p id="joins-summary" className="meta">
            {t('charts.joins.total', { count: joinsTotal })}
          </p>
        </figcaption>
        <ChartCanvas id="chart-joins" label={t('charts.joins.title', { weeks: JOIN_WEEKS })} config={joins} />
      </figure>
    </section>
  );
}
