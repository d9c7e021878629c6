/** The console's only stylesheet, served from `/admin/assets/console.css` (the CSP allows no inline styles). */
export const CONSOLE_CSS = `
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d232b;background:#f4f6f8}
header{display:flex;align-items:center;gap:1.5rem;padding:.6rem 1.5rem;background:#1d2733;color:#fff}
header .brand{font-weight:600;letter-spacing:.02em}
header nav{display:flex;gap:1rem;flex:1}
header a{color:#cfe0f5;text-decoration:none}
header a:hover,header a.active{color:#fff;text-decoration:underline}
header form{margin:0}
main{padding:1.25rem 1.5rem;max-width:1400px}
h1{font-size:1.35rem;margin:.2rem 0 1rem}
h2{font-size:1.1rem;margin:1.5rem 0 .6rem}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #d8dee4}
th,td{padding:.4rem .55rem;border-bottom:1px solid #e4e8ec;text-align:left;vertical-align:top}
th{background:#eef1f4;font-weight:600;font-size:.85rem}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.82rem}
pre{margin:0;white-space:pre-wrap;word-break:break-all;max-height:12rem;overflow:auto;background:#f6f8fa;padding:.35rem;border-radius:4px}
a{color:#0a58ca}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:999px;font-size:.78rem;font-weight:600;border:1px solid transparent}
.badge.closed,.badge.succeeded,.badge.enabled{background:#e3f6e8;color:#17692f;border-color:#b5e2c1}
.badge.open,.badge.dead,.badge.failed,.badge.disabled{background:#fde7e7;color:#9b1c1c;border-color:#f4bcbc}
.badge.half_open,.badge.pending{background:#fff4d6;color:#7a5200;border-color:#f1d791}
.badge.off,.badge.dismissed,.badge.redelivered,.badge.manual,.badge.scheduled{background:#eceff3;color:#39424d;border-color:#d5dbe1}
.notice{padding:.6rem .8rem;margin:0 0 1rem;border-radius:4px;background:#e3f0ff;border:1px solid #b6d3f7}
.notice.error{background:#fde7e7;border-color:#f4bcbc}
.notice.dev{background:#fff4d6;border-color:#f1d791}
form.filters{display:flex;flex-wrap:wrap;gap:.6rem;align-items:flex-end;margin-bottom:1rem}
form.filters label{display:flex;flex-direction:column;font-size:.8rem;color:#4a5561;gap:.15rem}
input,select,button{font:inherit}
input[type=text],input[type=password],select{padding:.3rem .45rem;border:1px solid #b9c2cc;border-radius:4px;background:#fff;min-width:12rem}
button{padding:.3rem .75rem;border:1px solid #0a58ca;border-radius:4px;background:#0a58ca;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#0a58ca}
button.danger{background:#fff;color:#9b1c1c;border-color:#c54646}
header button{background:transparent;border-color:#cfe0f5;color:#cfe0f5;padding:.15rem .6rem}
.actions{display:flex;gap:.6rem;margin:.8rem 0;flex-wrap:wrap}
.row-actions{display:flex;gap:.35rem;white-space:nowrap}
.muted{color:#65707c}
.login{max-width:26rem;margin:4rem auto;background:#fff;border:1px solid #d8dee4;border-radius:6px;padding:1.5rem}
.login label{display:block;margin:.8rem 0 .3rem}
.login input{width:100%}
.login button{margin-top:1rem;width:100%}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;background:#fff;border:1px solid #d8dee4;padding:.8rem;margin:0}
dl.facts dt{color:#4a5561}
dl.facts dd{margin:0}
`;
