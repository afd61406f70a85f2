// Vendored copy of the C baseline of issue 15 (from the shared baselines directory of the project's
// benchmark machine: baselines/gd_fig3.c, unchanged below this header). bench/heatmap.bench.ts compiles it
// with gcc -O3 -march=native when gcc exists; the project never reads the shared directory.
// Held-out physical-limit proxy (steering-only): the `fig3` heatmap workload of SPEC §2 in C.
// Grid: R x R cells, row i -> p0 = pmin + (pmax-pmin) i/(R-1), column j -> phi0 = fmin + (fmax-fmin) j/(R-1).
// Family: D = 4, c = (1,1,-1,-1): w* = (e^t, e^t, e^-t, e^-t), cosh(2t) = phi0/4; then shift along the GF line to product p0.
// GD until loss < tol (converged), |p| > 1e6 or non-finite (diverged), or T steps. SoA blocks, lockstep with masks.
// Usage: gd_fig3 R T eta [fmin fmax pmin pmax] [outprefix]  -> JSON line; optional raw f64 dumps of final sharpness.
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <time.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+1e-9*t.tv_nsec;}
static double shift_to(const double*u,int D,double target){ // sum log(u+s) = target
  double lo=-u[0]; for(int i=1;i<D;i++) if(-u[i]>lo) lo=-u[i]; double hi=1; 
  for(;;){ double f=0; for(int i=0;i<D;i++) f+=log(u[i]+hi); if(f>=target) break; hi*=2; }
  for(int it=0;it<300;it++){ double mid=0.5*(lo+hi); if(mid<=lo||mid>=hi) break; double f=0; for(int i=0;i<D;i++) f+=log(u[i]+mid); if(f<target) lo=mid; else hi=mid; }
  return 0.5*(lo+hi);
}
int main(int argc,char**argv){
  int R=atoi(argv[1]); long T=atol(argv[2]); double eta=atof(argv[3]);
  double fmin=argc>7?atof(argv[4]):4.05, fmax=argc>7?atof(argv[5]):34, pmin=argc>7?atof(argv[6]):0.05, pmax=argc>7?atof(argv[7]):5;
  const char* out=argc>8?argv[8]:NULL; long n=(long)R*R; const int B=argc>10?atoi(argv[10]):256; const double tol=1e-14, big=1e6;
  double *W=malloc(sizeof(double)*4*n), *Sfin=malloc(sizeof(double)*n); unsigned char *st=malloc(n); long *ns=malloc(sizeof(long)*n);
  for(long k=0;k<n;k++){ int i=k/R, j=k%R; double p0=pmin+(pmax-pmin)*i/(R-1), f0=fmin+(fmax-fmin)*j/(R-1);
    double t=0.5*acosh(f0/4.0); double u[4]={exp(2*t),exp(2*t),exp(-2*t),exp(-2*t)}; double s=shift_to(u,4,2*log(p0));
    for(int d=0;d<4;d++) W[4*k+d]=sqrt(u[d]+s); }
  double *w0=aligned_alloc(64,8*B),*w1=aligned_alloc(64,8*B),*w2=aligned_alloc(64,8*B),*w3=aligned_alloc(64,8*B),*act=aligned_alloc(64,8*B),*cnt=aligned_alloc(64,8*B),*dv=aligned_alloc(64,8*B);
  long steps=0; double t0=now(); const int K=argc>9?atoi(argv[9]):4; long next=0; long *cell=malloc(sizeof(long)*B);
  // lanes with refill: every K steps, finished lanes store their result and load the next cell.
  for(int l=0;l<B;l++){ if(next<n){ long k=next++; cell[l]=k; w0[l]=W[4*k]; w1[l]=W[4*k+1]; w2[l]=W[4*k+2]; w3[l]=W[4*k+3]; act[l]=1; } else { cell[l]=-1; act[l]=0; w0[l]=w1[l]=w2[l]=w3[l]=1; } cnt[l]=0; dv[l]=0; }
  for(;;){
    for(int kk=0;kk<K;kk++){ double nact=0;
      for(int l=0;l<B;l++){
        double a01=w0[l]*w1[l], a23=w2[l]*w3[l]; double p=a01*a23; double r=p-1.0;
        double fin=(fabs(p)<big)?1.0:0.0; double lim=(cnt[l]<(double)T)?1.0:0.0; double keep=(0.5*r*r>=tol)?fin*lim:0.0; double a=act[l]*keep;
        act[l]=a; nact+=a; cnt[l]+=a;
        double s=eta*r*a; double g0=w1[l]*a23, g1=w0[l]*a23, g2=a01*w3[l], g3=a01*w2[l];
        w0[l]-=s*g0; w1[l]-=s*g1; w2[l]-=s*g2; w3[l]-=s*g3; }
      steps+=(long)nact; }
    int live=0;
    for(int l=0;l<B;l++){ if(cell[l]<0) continue; if(act[l]>0){ live=1; continue; }
      long k=cell[l]; double a01=w0[l]*w1[l],a23=w2[l]*w3[l]; double g0=w1[l]*a23,g1=w0[l]*a23,g2=a01*w3[l],g3=a01*w2[l];
      double p=a01*a23, r=p-1; int div=!(fabs(p)<big); int conv=!div && (0.5*r*r<tol);
      ns[k]=(long)cnt[l]; st[k]= div ? 1 : (conv ? 0 : 2); Sfin[k]= st[k]==0 ? g0*g0+g1*g1+g2*g2+g3*g3 : NAN;
      if(next<n){ long q=next++; cell[l]=q; w0[l]=W[4*q]; w1[l]=W[4*q+1]; w2[l]=W[4*q+2]; w3[l]=W[4*q+3]; act[l]=1; cnt[l]=0; dv[l]=0; live=1; }
      else { cell[l]=-1; w0[l]=w1[l]=w2[l]=w3[l]=1; } }
    if(!live) break; }
  double el=now()-t0; long c0=0,c1=0,c2=0; double sum=0; for(long k=0;k<n;k++){ if(st[k]==0){c0++; sum+=Sfin[k];} else if(st[k]==1) c1++; else c2++; }
  printf("{\"R\":%d,\"T\":%ld,\"eta\":%g,\"steps\":%ld,\"seconds\":%.4f,\"msteps_per_s\":%.1f,\"converged\":%ld,\"diverged\":%ld,\"maxsteps\":%ld,\"mean_final_sharpness\":%.12g}\n",R,T,eta,steps,el,steps/el/1e6,c0,c1,c2,sum/(c0?c0:1));
  if(out){ char fn[512]; snprintf(fn,512,"%s.sharp.f64",out); FILE*f=fopen(fn,"wb"); fwrite(Sfin,8,n,f); fclose(f); snprintf(fn,512,"%s.status.u8",out); f=fopen(fn,"wb"); fwrite(st,1,n,f); fclose(f); snprintf(fn,512,"%s.steps.i64",out); f=fopen(fn,"wb"); fwrite(ns,8,n,f); fclose(f);}
}
