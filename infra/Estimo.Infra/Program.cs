using Amazon.CDK;
using Estimo.Infra;

var app = new App();
EstimoApp.Build(app);
app.Synth();
